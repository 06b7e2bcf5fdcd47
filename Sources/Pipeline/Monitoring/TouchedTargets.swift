import Postgres

/// The (run, target day) pairs an `evaluate` pass wrote evaluations for (new or restated), from
/// the `run_id, ds, n` rows its statements return; their rollups are rebuilt before it commits.
struct TouchedTargets {
    /// Run id -> its target days (ISO dates).
    private(set) var byRun: [Int64: Set<String>] = [:]

    /// Adds the pairs of one statement's rows and returns how many evaluations they count.
    mutating func add(_ rows: [Row]) throws -> Int {
        var total = 0
        for row in rows {
            byRun[try row.decode("run_id", as: Int64.self), default: []].insert(try row.decode("ds", as: String.self))
            total += try row.decode("n", as: Int.self)
        }
        return total
    }
}
