/// Split-conformal prediction intervals from backtest errors, per horizon step.
///
/// Scores are scaled errors `(actual - forecast) / scale`, where the scale is the series'
/// in-sample mean absolute seasonal difference (the MASE denominator), so one calibration serves
/// series of every size. The interval for step h is `forecast + q_h(lo) * scale ...
/// forecast + q_h(hi) * scale` with q the empirical (type 7) quantiles of the step-h scores at
/// (1 - level)/2 and (1 + level)/2 (Vovk et al. 2005; Angelopoulos & Bates 2021, "normalised
/// scores").
public struct ConformalCalibration: Sendable, Equatable, Codable {
    public let level: Double
    /// Per horizon step (index 0 = step 1): lower and upper quantiles of the scaled errors.
    public let lower: [Double]
    public let upper: [Double]

    public init(level: Double, lower: [Double], upper: [Double]) {
        self.level = level
        self.lower = lower
        self.upper = upper
    }

    /// Calibrates from scores grouped by horizon step; steps without (finite) scores borrow the nearest earlier step.
    public init?(level: Double, scoresByStep: [[Double]]) {
        guard scoresByStep.contains(where: { $0.contains(where: \.isFinite) }) else { return nil }
        var lo: [Double] = [], hi: [Double] = []
        for step in scoresByStep {
            // A score that is not a number (a model's NaN forecast) says nothing about the spread.
            let scores = step.allSatisfy(\.isFinite) ? step : step.filter(\.isFinite)
            if scores.isEmpty {
                lo.append(lo.last ?? 0)
                hi.append(hi.last ?? 0)
                continue
            }
            // Selected, not sorted: the same order statistics bit for bit (`selectedQuantiles`), at a
            // fraction of the cost (a backtest calibrates every model once per fold).
            let (low, high) = selectedQuantiles(scores, (1 - level) / 2, (1 + level) / 2)
            lo.append(low)
            hi.append(high)
        }
        self.init(level: level, lower: lo, upper: hi)
    }

    /// Applies the calibration to point forecasts of a series with the given scale.
    public func interval(mean: [Double], scale: Double) -> (lower: [Double], upper: [Double]) {
        let s = scale.isFinite && scale > 0 ? scale : 1
        var lowerOut = mean, upperOut = mean
        for h in 0..<mean.count {
            let i = min(h, lower.count - 1)
            lowerOut[h] = mean[h] + min(0, lower[i]) * s
            upperOut[h] = mean[h] + max(0, upper[i]) * s
        }
        return (lowerOut, upperOut)
    }
}

/// The scale used for conformal scores: in-sample mean absolute seasonal difference, falling back
/// to the mean absolute value, then 1, so that no series divides by zero.
public func conformalScale(_ y: [Double], seasonLength: Int) -> Double {
    let s = seasonalScales(y, seasonLength: seasonLength).mae
    if s.isFinite && s > 0 { return s }
    let meanAbs = y.isEmpty ? 0 : y.reduce(0) { $0 + abs($1) } / Double(y.count)
    return meanAbs > 0 ? meanAbs : 1
}

/// A deterministic subsample of scores: a point is kept when a hash of its identity falls under
/// the keep rate, so the sample does not depend on the order in which threads report points.
public struct ScoreSample: Sendable {
    public let keepOneIn: UInt64
    /// (score, scale) pairs per key.
    public var points: [ScoreKey: [(Double, Double)]] = [:]

    public struct ScoreKey: Hashable, Sendable {
        public let model: Int, fold: Int, step: Int
        public init(model: Int, fold: Int, step: Int) {
            self.model = model
            self.fold = fold
            self.step = step
        }
    }

    public init(expectedPoints: Int, cap: Int = 20_000) {
        keepOneIn = UInt64(max(1, expectedPoints / max(1, cap)))
    }

    public mutating func add(_ key: ScoreKey, series: Int, score: Double, scale: Double) {
        guard keepOneIn == 1 || Self.mix(UInt64(series) &* 0x9E37_79B9 &+ UInt64(key.fold) &* 31 &+ UInt64(key.step)) % keepOneIn == 0 else { return }
        points[key, default: []].append((score, scale))
    }

    public mutating func merge(_ other: ScoreSample) {
        for (k, v) in other.points { points[k, default: []] += v }
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
