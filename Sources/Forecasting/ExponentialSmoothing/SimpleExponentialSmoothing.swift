/// The SES recursion shared by SES, Croston and TSB: level `l(0) = y(0)`,
/// `l(t) = alpha * y(t) + (1 - alpha) * l(t-1)`; the fitted value at t is `l(t-1)` and the
/// forecast for every future step is the last level (Hyndman & Athanasopoulos, FPP3 §8.1;
/// initialised with the first observation as statsforecast's `_ses_forecast` does).
struct SESRecursion {
    /// Fitted values (NaN at 0) and the one-step forecast after the last observation.
    static func run(_ y: [Double], alpha: Double) -> (fitted: [Double], forecast: Double) {
        guard let first = y.first else { return ([], .nan) }
        var fitted = [Double](repeating: .nan, count: y.count)
        var level = first
        for t in 1..<max(1, y.count) {
            fitted[t] = level
            level = alpha * y[t] + (1 - alpha) * level
        }
        return (fitted, level)
    }
}

/// Simple exponential smoothing with a fixed smoothing parameter (statsforecast
/// `SimpleExponentialSmoothing(alpha)`): a flat forecast at the last smoothed level.
public struct SimpleExponentialSmoothing: ForecastModel {
    public let alpha: Double

    public init(alpha: Double) throws {
        guard alpha > 0, alpha <= 1 else {
            throw ForecastError.invalidParameter(model: "SES", message: "alpha must be in (0, 1], got \(alpha)")
        }
        self.alpha = alpha
    }

    public var name: String { "SES(\(alpha))" }
    public var minimumObservations: Int { 1 }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        try requireObservations(y)
        let (fitted, level) = SESRecursion.run(y, alpha: alpha)
        return FlatFit(
            name: name, level: level, fitted: fitted, intervals: ResidualIntervals(actual: y, fitted: fitted),
            steps: { h in 1 + Double(h - 1) * alpha * alpha })
    }
}

/// A fitted model whose forecast is one flat level (SES, Croston, TSB, moving average).
struct FlatFit: FittedModel {
    let name: String
    let level: Double
    let fitted: [Double]
    let intervals: ResidualIntervals
    /// Error-variance multiplier for step h relative to one step.
    let steps: @Sendable (Int) -> Double
    var modelName: String { name }

    func predict(horizon: Int, level nominal: Double) throws -> Forecast {
        try validate(horizon: horizon, level: nominal)
        return intervals.forecast(mean: [Double](repeating: level, count: horizon), level: nominal, steps: steps)
    }
}
