import Forecasting

/// Who a per-class selection's model serves: a demand class, or `all` (every series whose class
/// the backtest gave no choice of its own). The keys of `RunConfig.selection` and
/// `ForecastPolicy.selection`, stored as their names (`"fast"`, `"all"`), as before they were typed.
public enum SelectionSegment: String, Codable, CodingKeyRepresentable, Sendable, CaseIterable, Comparable {
    case all, fast, slow, intermittent, new

    public init(_ demandClass: DemandClass) {
        switch demandClass {
        case .fast: self = .fast
        case .slow: self = .slow
        case .intermittent: self = .intermittent
        case .new: self = .new
        }
    }

    /// In the order of their names, as the untyped keys were sorted (`modelVersion`, model cards).
    public static func < (a: SelectionSegment, b: SelectionSegment) -> Bool { a.rawValue < b.rawValue }
}
