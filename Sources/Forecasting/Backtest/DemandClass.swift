/// Velocity classes for segment reports, after Syntetos, Boylan & Croston (2005):
/// average inter-demand interval ADI >= 1.32 periods is intermittent; otherwise fast when the
/// mean demand per period is at least `fastThreshold`, else slow. A series whose first sale is
/// less than `newItemPeriods` before the cutoff is reported as new.
public enum DemandClass: String, Sendable, CaseIterable {
    case fast, slow, intermittent, new

    public static func classify(_ y: [Double], fastThreshold: Double = 5, newItemPeriods: Int = 56) -> DemandClass {
        if y.count < newItemPeriods { return .new }
        let demands = y.filter { $0 > 0 }.count
        guard demands > 0 else { return .intermittent }
        let adi = Double(y.count) / Double(demands)
        if adi >= 1.32 { return .intermittent }
        let mean = y.reduce(0, +) / Double(y.count)
        return mean >= fastThreshold ? .fast : .slow
    }

    /// With the new-item threshold of the frequency: 56 days, or 8 weeks.
    public static func classify(_ y: [Double], frequency: Frequency) -> DemandClass {
        classify(y, newItemPeriods: frequency == .day ? 56 : 8)
    }
}
