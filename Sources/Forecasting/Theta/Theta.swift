/// Theta models (Assimakopoulos & Nikolopoulos 2000; the state-space forms of Fiorucci et al.
/// 2016): `Theta` fits one variant, `AutoTheta` the four (STM, OTM, DSTM, DOTM) and keeps the
/// lowest in-sample MSE, as statsforecast's `AutoTheta` does. A series whose lag-m
/// autocorrelation is significant at 90% (two-sided) is deseasonalised first by classical
/// multiplicative decomposition (additive when the data are not positive or a seasonal index falls
/// below 0.01) and reseasonalised with the last season of indices.
/// Parameters by Nelder–Mead: initial level in ±1e10, alpha in [0.1, 0.99], theta in [1, 1e10].
public struct AutoTheta: Refittable {
    public let seasonLength: Int
    let variants: [ThetaRecursion.Variant]

    public init(seasonLength: Int) throws {
        guard seasonLength >= 1 else {
            throw ForecastError.invalidParameter(model: "AutoTheta", message: "season length must be at least 1, got \(seasonLength)")
        }
        self.seasonLength = seasonLength
        variants = ThetaRecursion.Variant.allCases
    }

    init(seasonLength: Int, variant: ThetaRecursion.Variant) {
        self.seasonLength = seasonLength
        variants = [variant]
    }

    public var name: String { variants.count == 1 ? "Theta(\(variants[0].rawValue))" : "AutoTheta" }
    public var minimumObservations: Int { 4 }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        try fit(y, variants: variants, starts: [:], sameOrigin: false)
    }

    /// Warm-started refit (see `Refittable`); the structure is the variant (STM, OTM, DSTM, DOTM).
    /// The seasonality test and decomposition are redone on the new history either way.
    public func refit(_ y: [Double], after previous: any FittedModel, keepStructure: Bool, sameOrigin: Bool) throws -> any FittedModel {
        guard let previous = previous as? Fitted, !previous.estimates.isEmpty else { return try fit(y) }
        let chosen = previous.recursion.variant
        let kept = keepStructure && variants.contains(chosen) ? [chosen] : variants
        return try fit(y, variants: kept, starts: previous.estimates, sameOrigin: sameOrigin)
    }

    func fit(
        _ y: [Double], variants: [ThetaRecursion.Variant], starts: [ThetaRecursion.Variant: [Double]],
        sameOrigin: Bool
    ) throws -> Fitted {
        try requireObservations(y)
        let m = seasonLength
        var series = y
        var seasonal: [Double]? = nil
        var multiplicative = true
        if m >= 4 && SeasonalityGuard.allowsSeasonalForm(seasonLength: m, observations: y.count) && Self.seasonalityIsSignificant(y, m: m) {
            multiplicative = y.allSatisfy { $0 > 0 }
            var indices = ETSInitialization.classicalSeasonal(y, m: m, multiplicative: multiplicative)
            if multiplicative && indices.contains(where: { $0 < 0.01 }) {
                multiplicative = false
                indices = ETSInitialization.classicalSeasonal(y, m: m, multiplicative: false)
            }
            series = (0..<y.count).map { multiplicative ? y[$0] / indices[$0] : y[$0] - indices[$0] }
            seasonal = Array(indices.suffix(m))
        }
        var best: (ThetaRecursion, Double, Double)?  // recursion, level0, mse
        var estimates: [ThetaRecursion.Variant: [Double]] = [:]
        for variant in variants {
            var start = starts[variant]
            if !sameOrigin, start != nil { start![0] = series[0] / 2 }  // the initial level belongs to the old origin
            let fit = Self.optimise(series, variant: variant, start: start)
            estimates[variant] = fit.3
            if best == nil || fit.2 < best!.2 { best = (fit.0, fit.1, fit.2) }
        }
        guard let (recursion, level0, _) = best else {
            throw ForecastError.invalidParameter(model: name, message: "no Theta variant could be fitted")
        }
        let run = recursion.run(series, level0: level0)
        var fitted = run.fitted
        if seasonal != nil {
            let indices = ETSInitialization.classicalSeasonal(y, m: m, multiplicative: multiplicative)
            fitted = (0..<y.count).map { multiplicative ? fitted[$0] * indices[$0] : fitted[$0] + indices[$0] }
        }
        return Fitted(
            name: "Theta(\(recursion.variant.rawValue))", recursion: recursion, last: run.last, n: y.count,
            seasonal: seasonal, multiplicative: multiplicative, fitted: fitted,
            intervals: ResidualIntervals(actual: y, fitted: fitted), estimates: estimates)
    }

    /// Nelder–Mead from statsforecast's start (level y0/2, alpha 0.5, theta 2) or from `start`;
    /// returns the recursion, initial level, MSE and the optimum vector.
    static func optimise(_ y: [Double], variant: ThetaRecursion.Variant, start: [Double]? = nil) -> (ThetaRecursion, Double, Double, [Double]) {
        let optimiseTheta = variant == .otm || variant == .dotm
        var x0 = optimiseTheta ? [y[0] / 2, 0.5, 2.0] : [y[0] / 2, 0.5]
        if let start, start.count == x0.count { x0 = start }
        let lower = optimiseTheta ? [-1e10, 0.1, 1.0] : [-1e10, 0.1]
        let upper = optimiseTheta ? [1e10, 0.99, 1e10] : [1e10, 0.99]
        let result = NelderMead().minimize(x0, lower: lower, upper: upper) { x in
            let r = ThetaRecursion(variant: variant, alpha: x[1], theta: optimiseTheta ? x[2] : 2)
            let mse = r.mse(y, level0: x[0])
            return mse.isFinite ? mse : .infinity
        }
        let x = result.x
        let recursion = ThetaRecursion(variant: variant, alpha: x[1], theta: optimiseTheta ? x[2] : 2)
        return (recursion, x[0], recursion.run(y, level0: x[0]).mse, x)
    }

    /// |r_m| / sqrt((1 + 2 sum_{k<m} r_k^2) / n) > z(0.95) on the sample autocorrelations.
    static func seasonalityIsSignificant(_ y: [Double], m: Int) -> Bool {
        let n = y.count
        let mean = y.reduce(0, +) / Double(n)
        let denominator = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        guard denominator > 0 else { return false }
        let r = (1...m).map { k in
            (0..<(n - k)).reduce(0.0) { $0 + (y[$1] - mean) * (y[$1 + k] - mean) } / denominator
        }
        let stat = ((1 + 2 * r.dropLast().reduce(0) { $0 + $1 * $1 }) / Double(n)).squareRoot()
        return abs(r[m - 1]) / stat > 1.6448536269514722
    }

    struct Fitted: FittedModel {
        let name: String
        let recursion: ThetaRecursion
        let last: ThetaRecursion.State
        let n: Int
        let seasonal: [Double]?
        let multiplicative: Bool
        let fitted: [Double]
        let intervals: ResidualIntervals
        /// The optimum of every variant compared, for warm-started refits.
        var estimates: [ThetaRecursion.Variant: [Double]] = [:]
        var modelName: String { name }

        func predict(horizon: Int, level: Double) throws -> Forecast {
            try validate(horizon: horizon, level: level)
            var mean = recursion.forecast(from: last, n: n, horizon: horizon)
            if let seasonal {
                let m = seasonal.count
                mean = (0..<horizon).map { multiplicative ? mean[$0] * seasonal[$0 % m] : mean[$0] + seasonal[$0 % m] }
            }
            return intervals.forecast(mean: mean, level: level) { Double($0) }
        }
    }
}
