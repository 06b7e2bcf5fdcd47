import Postgres

/// The states of every queue: work items, run requests and retrain requests (migration 034),
/// in the `state` column of each, the same words in SQL and here.
public enum QueueState: String, Sendable, CaseIterable, PostgresCodable {
    /// Waiting to be taken.
    case available
    /// Taken by a worker or a daemon (a work item under a lease).
    case running
    case completed
    case failed

    public var postgresText: String { rawValue }
    public init?(postgresText: String) { self.init(rawValue: postgresText) }
}
