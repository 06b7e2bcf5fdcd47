/// Prediction intervals from the empirical distribution of in-sample residuals.
///
/// For horizon step h the interval is `yhat + q(residuals, (1 ± level)/2) * sqrt(k(h))`, where
/// `k(h)` is how many one-period errors have accumulated (h for naive, ceil(h/m) for seasonal
/// naive, 1 for a moving average). Quantiles use linear interpolation (Hyndman & Fan type 7,
/// numpy's default). Good enough until conformal calibration from backtests arrives.
public struct ResidualIntervals: Sendable, Equatable {
    /// Finite residuals, sorted.
    public let sortedResiduals: [Double]

    public init(actual: [Double], fitted: [Double]) {
        var r: [Double] = []
        r.reserveCapacity(actual.count)
        for i in 0..<min(actual.count, fitted.count) where fitted[i].isFinite {
            r.append(actual[i] - fitted[i])
        }
        sortedResiduals = r.sorted()
    }

    /// The (lower, upper) offsets for one accumulated-error multiplier.
    public func offsets(level: Double, steps: Double) -> (Double, Double) {
        guard !sortedResiduals.isEmpty else { return (0, 0) }
        let scale = steps.squareRoot()
        let lo = quantile(sortedResiduals, (1 - level) / 2)
        let hi = quantile(sortedResiduals, (1 + level) / 2)
        return (min(lo, 0) * scale, max(hi, 0) * scale)
    }

    public func forecast(mean: [Double], level: Double, steps: (Int) -> Double) -> Forecast {
        var lower = mean, upper = mean
        for i in 0..<mean.count {
            let (lo, hi) = offsets(level: level, steps: steps(i + 1))
            lower[i] = mean[i] + lo
            upper[i] = mean[i] + hi
        }
        return Forecast(mean: mean, lower: lower, upper: upper, level: level)
    }
}

/// Type-7 quantile of already-sorted values.
public func quantile(_ sorted: [Double], _ p: Double) -> Double {
    precondition(!sorted.isEmpty)
    let position = p * Double(sorted.count - 1)
    let i = Int(position.rounded(.down))
    let fraction = position - Double(i)
    if i + 1 >= sorted.count { return sorted[sorted.count - 1] }
    return sorted[i] + fraction * (sorted[i + 1] - sorted[i])
}
