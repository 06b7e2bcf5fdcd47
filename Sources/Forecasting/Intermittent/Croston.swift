/// Croston's method for intermittent demand (Croston 1972): SES with alpha = 0.1 on the non-zero
/// demand sizes z and on the intervals p between them (the first interval counts from the start
/// of the series); the forecast is `z / p` for every future step. A series without any positive
/// demand is served by `Naive`.
/// `CrostonSBA` multiplies by `1 - alpha/2` = 0.95 (Syntetos & Boylan 2005) to remove the bias.
/// Checked against statsforecast `CrostonClassic` / `CrostonSBA` (Tests/ForecastingTests/Fixtures).
public struct Croston: ForecastModel {
    public enum Variant: String, Sendable { case classic, sba }

    public let variant: Variant
    public static let alpha = 0.1

    public init(variant: Variant = .classic) { self.variant = variant }

    public var name: String { variant == .classic ? "CrostonClassic" : "CrostonSBA" }
    public var minimumObservations: Int { 1 }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        try requireObservations(y)
        let alpha = Self.alpha
        let factor = variant == .sba ? 1 - alpha / 2 : 1
        var fitted = [Double](repeating: .nan, count: y.count)
        // Walk the series, updating the size and interval levels at each demand.
        var size = Double.nan, interval = Double.nan
        var sinceLast = 0
        for t in 0..<y.count {
            if size.isFinite { fitted[t] = factor * size / interval }
            sinceLast += 1
            if y[t] != 0 {
                if size.isNaN {
                    size = y[t]
                    interval = Double(sinceLast)
                } else {
                    size = alpha * y[t] + (1 - alpha) * size
                    interval = alpha * Double(sinceLast) + (1 - alpha) * interval
                }
                sinceLast = 0
            }
        }
        // The forecast as in the reference: SES over the positive sizes and over the intervals
        // between non-zero periods (a return, y < 0, ends an interval but is not a size).
        let sizes = y.filter { $0 > 0 }
        guard !sizes.isEmpty else {
            return try Naive().fit(y)  // no demand at all: statsforecast falls back to naive too
        }
        var intervals: [Double] = []
        var previous = -1
        for t in 0..<y.count where y[t] != 0 {
            intervals.append(Double(t - previous))
            previous = t
        }
        let sizeLevel = SESRecursion.run(sizes, alpha: alpha).forecast
        let intervalLevel = SESRecursion.run(intervals, alpha: alpha).forecast
        let forecast = factor * (intervalLevel != 0 ? sizeLevel / intervalLevel : sizeLevel)
        return FlatFit(
            name: name, level: forecast, fitted: fitted, intervals: ResidualIntervals(actual: y, fitted: fitted),
            steps: { _ in 1 })
    }
}
