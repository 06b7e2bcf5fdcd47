/// Sums from which every accuracy measure of a group (model x fold x segment) follows, so that
/// groups can be filled in any order and merged. Censored periods are never added.
public struct ErrorAccumulator: Sendable, Equatable {
    public var count = 0
    public var absError = 0.0
    public var squaredError = 0.0
    public var signedError = 0.0  // sum(f - y)
    public var absActual = 0.0
    public var absPercentError = 0.0  // over non-zero actuals only
    public var nonZeroActuals = 0
    public var covered = 0
    public var width = 0.0
    public var pinball = 0.0  // at both interval quantiles
    public var scaledAbsError = 0.0  // sum over series-folds of MASE
    public var scaledSquaredError = 0.0  // sum over series-folds of RMSSE
    public var scaledSeries = 0

    public init() {}

    /// Adds one series-fold: aligned actuals, forecasts, bounds, and the series' scales
    /// (in-sample seasonal-naive MAE and MSE; NaN or 0 when undefined).
    public mutating func add(
        actual: [Double], forecast: [Double], lower: [Double], upper: [Double], level: Double,
        maeScale: Double, mseScale: Double
    ) {
        let tauLow = (1 - level) / 2, tauHigh = (1 + level) / 2
        var seriesAbs = 0.0, seriesSq = 0.0, n = 0
        for i in 0..<min(actual.count, forecast.count) where actual[i].isFinite {
            let y = actual[i], f = forecast[i], e = f - y
            n += 1
            absError += abs(e)
            squaredError += e * e
            signedError += e
            absActual += abs(y)
            seriesAbs += abs(e)
            seriesSq += e * e
            if y != 0 {
                absPercentError += abs(e / y)
                nonZeroActuals += 1
            }
            if lower[i] <= y && y <= upper[i] { covered += 1 }
            width += upper[i] - lower[i]
            pinball += Self.pinball(y, lower[i], tauLow) + Self.pinball(y, upper[i], tauHigh)
        }
        count += n
        if n > 0, maeScale.isFinite, maeScale > 0, mseScale.isFinite, mseScale > 0 {
            scaledAbsError += (seriesAbs / Double(n)) / maeScale
            scaledSquaredError += ((seriesSq / Double(n)) / mseScale).squareRoot()
            scaledSeries += 1
        }
    }

    public mutating func merge(_ other: ErrorAccumulator) {
        count += other.count
        absError += other.absError
        squaredError += other.squaredError
        signedError += other.signedError
        absActual += other.absActual
        absPercentError += other.absPercentError
        nonZeroActuals += other.nonZeroActuals
        covered += other.covered
        width += other.width
        pinball += other.pinball
        scaledAbsError += other.scaledAbsError
        scaledSquaredError += other.scaledSquaredError
        scaledSeries += other.scaledSeries
    }

    static func pinball(_ y: Double, _ q: Double, _ tau: Double) -> Double {
        y >= q ? tau * (y - q) : (1 - tau) * (q - y)
    }

    func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : .nan }

    public var mae: Double { ratio(absError, Double(count)) }
    public var rmse: Double { ratio(squaredError, Double(count)).squareRoot() }
    /// Fraction, `sum|e| / sum|y|`.
    public var wape: Double { ratio(absError, absActual) }
    /// Percent, over non-zero actuals only.
    public var mape: Double { 100 * ratio(absPercentError, Double(nonZeroActuals)) }
    /// Mean over series-folds of MASE.
    public var mase: Double { ratio(scaledAbsError, Double(scaledSeries)) }
    /// Mean over series-folds of RMSSE (M5's scaled RMSE, unweighted).
    public var rmsse: Double { ratio(scaledSquaredError, Double(scaledSeries)) }
    /// Relative bias, `sum(f - y) / sum|y|`: +0.05 = 5% over-forecast.
    public var bias: Double { ratio(signedError, absActual) }
    /// Share of actuals inside the interval.
    public var coverage: Double { ratio(Double(covered), Double(count)) }
    public var meanWidth: Double { ratio(width, Double(count)) }
    /// Mean pinball loss at the two interval quantiles.
    public var meanPinball: Double { ratio(pinball, Double(2 * count)) }
}

/// In-sample scales for MASE and RMSSE: mean absolute and mean squared `m`-step differences.
public func seasonalScales(_ y: [Double], seasonLength m: Int) -> (mae: Double, mse: Double) {
    let m = max(1, m)
    guard y.count > m else { return (.nan, .nan) }
    var a = 0.0, s = 0.0
    for t in m..<y.count {
        let d = y[t] - y[t - m]
        a += abs(d)
        s += d * d
    }
    let n = Double(y.count - m)
    return (a / n, s / n)
}
