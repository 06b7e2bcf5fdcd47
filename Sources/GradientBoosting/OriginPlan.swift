import Foundation

/// Training origins per series of one scope (`FeatureWindows.plan`): `recent` recent ones for
/// every series; `seasonal` a year back for every series and one more for `extraSeasonal` of
/// them (`extraSeries`).
public struct OriginPlan: Sendable, Equatable {
    public var recent: Int, seasonal: Int, extraSeasonal: Int
    /// Set when the memory budget (`FeatureWindows.trainingBytes`), not a fixed count, limits the
    /// recent origins: a series with more origins in its history than `recent` learns from
    /// `recent` of them spread evenly over it, the newest first (`sampled`), instead of the newest
    /// `recent` in a row. Nil: the newest `recent` (daily series: six weekly origins).
    public var budgeted: Int?
    /// Set when the row cap holds fewer series-origins than there are series: only this many
    /// series learn (`seriesSample`). Nil: every series in scope.
    public var sampledSeries: Int?

    public init(recent: Int, seasonal: Int, extraSeasonal: Int, budgeted: Int? = nil, sampledSeries: Int? = nil) {
        self.recent = recent
        self.seasonal = seasonal
        self.extraSeasonal = extraSeasonal
        self.budgeted = budgeted
        self.sampledSeries = sampledSeries
    }

    /// Which of a series' `available` recent origins it learns from, as positions counted back
    /// from its newest (0 = the newest, 1 = the one a step before): all while they fit; past the
    /// budget `recent` of them spread evenly over the history, from the newest to the oldest
    /// (positions k (available - 1) / (recent - 1), rounded); without a budget the newest `recent`.
    public func recentPositions(available: Int) -> [Int] {
        guard budgeted != nil, recent > 1, available > recent else { return Array(0..<min(recent, available)) }
        return (0..<recent).map { (2 * $0 * (available - 1) + recent - 1) / (2 * (recent - 1)) }
    }

    /// Which of the series in scope (their positions in the scope's full, fixed series list) get
    /// the one more origin a year back: the `extraSeasonal` with the lowest golden-ratio score
    /// frac((i + 1) / phi), so they are spread evenly over the list, and the choice depends on a
    /// series' position in the full list, not on which others are in scope. A backtest's folds
    /// (whose scopes differ by the series not started yet) then give it to the same series and
    /// build the rows once, and the same series get it at every run.
    public func extraSeries(inScope positions: [Int]) -> Set<Int> {
        extraSeasonal > 0 ? Self.spread(positions, count: extraSeasonal) : []
    }

    /// The series that learn when the cap holds fewer than the scope (`sampledSeries`): chosen as
    /// `extraSeries` are, so that they are spread evenly over the list and the same at every
    /// training of the same catalogue; nil: every series in scope.
    public func seriesSample(inScope positions: [Int]) -> Set<Int>? {
        guard let sampledSeries, sampledSeries < positions.count else { return nil }
        return Self.spread(positions, count: sampledSeries)
    }

    /// `count` of `positions` with the lowest golden-ratio score frac((i + 1) / phi): a low-
    /// discrepancy choice, even over the list whatever the count, fixed by position alone.
    static func spread(_ positions: [Int], count: Int) -> Set<Int> {
        func score(_ i: Int) -> Double {
            let x = Double(i + 1) * 0.618_033_988_749_894_8
            return x - x.rounded(.down)
        }
        let ranked = positions.map { ($0, score($0)) }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        return Set(ranked.prefix(count).map(\.0))
    }

    /// Series-origins the scope learns from (rows = this x horizon steps, fewer with stockouts and short histories).
    public func seriesOrigins(series: Int) -> Int { (recent + seasonal) * min(series, sampledSeries ?? series) + extraSeasonal }
}

/// The training origins a global model learned from, over the series of its scope (lineage): how
/// many series, their recent origins and their origins a year back (only where the history reaches).
public struct OriginCounts: Codable, Sendable, Equatable {
    public var series = 0, recent = 0, yearBack = 0, seriesWithYearBack = 0
    /// How the recent origins were chosen: the memory budget in bytes and the rows it held
    /// (nil: a fixed count of the newest, or artifacts stored before it was recorded), and how
    /// many series learned from a sample of their history (every k-th origin) because it did not fit.
    public var budgetBytes: Int?, budgetRows: Int?
    public var sampledSeries = 0, widestStride = 1
    /// Set when only a sample of the series in scope learned (the row cap held fewer series than
    /// the scope, one recent origin each, spread evenly over the series list): the scope's size.
    /// `series` is then the sample's. Nil: every series in scope learned.
    public var scopeSeries: Int?
    /// The row cap that decided the sample (with `scopeSeries`).
    public var rowCap: Int?

    public init() {}

    mutating func add(recent: Int, yearBack: Int, stride: Int = 1) {
        guard recent + yearBack > 0 else { return }
        series += 1
        self.recent += recent
        self.yearBack += yearBack
        if yearBack > 0 { seriesWithYearBack += 1 }
        if stride > 1 {
            sampledSeries += 1
            widestStride = max(widestStride, stride)
        }
    }

    /// For people: "2000 series: 6 recent origins each, 2400 a year back from 600 of them".
    public var summary: String {
        let near =
            series > 0 && recent % series == 0
            ? "\(recent / series) recent origin\(recent == series ? "" : "s") each"
            : "\(recent) recent origins"
        let back = yearBack == 0 ? "none a year back" : "\(yearBack) a year back from \(seriesWithYearBack) of them"
        var how = ""
        if let budgetBytes, let budgetRows {
            let mib = budgetBytes % (1 << 20) == 0 ? "\(budgetBytes >> 20) MiB" : String(format: "%.1f MiB", Double(budgetBytes) / Double(1 << 20))
            how =
                sampledSeries == 0
                ? " (every origin of their history: the \(mib) training budget holds \(budgetRows) rows)"
                : " (the \(mib) training budget holds \(budgetRows) rows: \(sampledSeries) series learned from a sample of their history, up to every \(widestStride)th origin)"
        }
        if let scopeSeries, let rowCap {
            how +=
                " (a sample: \(series) of the \(scopeSeries) series in scope, spread evenly over the series list, as many as the cap of \(rowCap) rows holds at one origin each)"
        }
        return "\(series) series: \(near), \(back)\(how)"
    }
}
