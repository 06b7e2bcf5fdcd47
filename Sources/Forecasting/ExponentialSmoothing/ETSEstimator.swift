/// Maximum-likelihood estimation of one ETS structure.
enum ETSEstimator {
    /// `start` (an earlier fit of the same structure) replaces the heuristic starting values: its
    /// smoothing parameters always, its initial states only when `sameOrigin` (the earlier fit's
    /// series started at the same period, as in an expanding-window backtest).
    static func fit(
        _ y: [Double], spec: ETSSpec, m: Int, fixedAlpha: Double? = nil,
        start warm: ETSEstimate? = nil, sameOrigin: Bool = false
    ) throws -> ETSFit {
        let n = y.count
        if spec.error == .multiplicative || spec.season == .multiplicative {
            guard y.allSatisfy({ $0 > 0 }) else {
                throw ForecastError.invalidParameter(model: "\(spec)", message: "multiplicative components need positive data")
            }
        }
        var start = warm?.parameters ?? ETSInitialization.parameters(spec, m: m)
        if let fixedAlpha { start.alpha = fixedAlpha }
        let state: ETSInitialization.State
        if let warm, sameOrigin, warm.initial.seasons.count == (spec.season == .none ? 0 : m) {
            state = warm.initial
        } else {
            state = try ETSInitialization.state(y, spec: spec, m: m)
        }
        // Parameter vector: [alpha?] [beta] [gamma] [phi], level, [trend], seasons except the last.
        var x0: [Double] = []
        var lower: [Double] = [], upper: [Double] = []
        let lo = ETSInitialization.lower, up = ETSInitialization.upper
        if fixedAlpha == nil {
            x0.append(start.alpha)
            lower.append(lo.alpha)
            upper.append(up.alpha)
        }
        if spec.trend != .none {
            x0.append(start.beta)
            lower.append(lo.beta)
            upper.append(up.beta)
        }
        if spec.season != .none {
            x0.append(start.gamma)
            lower.append(lo.gamma)
            upper.append(up.gamma)
        }
        if spec.damped {
            x0.append(start.phi)
            lower.append(lo.phi)
            upper.append(up.phi)
        }
        let nParams = x0.count
        x0.append(state.level)
        if spec.trend != .none { x0.append(state.trend) }
        if spec.season != .none { x0 += state.seasons.dropLast() }
        lower += [Double](repeating: -.infinity, count: x0.count - nParams)
        upper += [Double](repeating: .infinity, count: x0.count - nParams)
        let np = x0.count
        if np >= n - 1 {
            throw ForecastError.tooShort(model: "\(spec)", needed: np + 2, got: n)
        }

        /// Parameters, level and trend from a parameter vector; seasons written into `seasons`
        /// (m entries, the last implied by the normalisation).
        func decode(_ x: [Double], into seasons: inout [Double]) -> (ETSParameters, Double, Double) {
            var j = 0
            var p = ETSParameters(alpha: fixedAlpha ?? 0, beta: 0, gamma: 0, phi: 1)
            if fixedAlpha == nil {
                p.alpha = x[j]
                j += 1
            }
            if spec.trend != .none {
                p.beta = x[j]
                j += 1
            }
            if spec.season != .none {
                p.gamma = x[j]
                j += 1
            }
            if spec.damped {
                p.phi = x[j]
                j += 1
            }
            let level = x[j]
            j += 1
            var trend = 0.0
            if spec.trend != .none {
                trend = x[j]
                j += 1
            }
            if spec.season != .none {
                var sum = 0.0
                for k in 0..<(m - 1) {
                    seasons[k] = x[j + k]
                    sum += x[j + k]
                }
                seasons[m - 1] = (spec.season == .multiplicative ? Double(m) : 0) - sum
            }
            return (p, level, trend)
        }

        var scratch = [Double](repeating: 0, count: spec.season == .none ? 0 : m)
        func objective(_ x: [Double]) -> Double {
            let (p, level, trend) = decode(x, into: &scratch)
            guard ETSAdmissibility.check(p, spec: spec, m: m) else { return .infinity }
            if spec.season == .multiplicative && (scratch.min() ?? 1) < 0 { return .infinity }
            var lik = ETSRecursion(spec: spec, m: m, p: p).likelihood(y, level: level, trend: trend, seasons: scratch)
            if lik.isNaN { return .infinity }
            if lik < -1e10 { lik = -1e10 }
            return lik
        }

        let result = NelderMead().minimize(x0, lower: lower, upper: upper, objective)
        var seasons = scratch
        let (p, level, trend) = decode(result.x, into: &seasons)
        let recursion = ETSRecursion(spec: spec, m: m, p: p)
        let run = recursion.run(y, level: level, trend: trend, seasons: seasons)
        guard run.likelihood.isFinite else {
            throw ForecastError.invalidParameter(model: "\(spec)", message: "the likelihood is not finite at the optimum")
        }
        let k = Double(np + 1)
        let aic = run.likelihood + 2 * k
        let aicc = Double(n) - k - 1 != 0 ? aic + 2 * k * (k + 1) / (Double(n) - k - 1) : .infinity
        let sse = run.errors.reduce(0) { $0 + $1 * $1 }
        return ETSFit(
            spec: spec, m: m, parameters: p, recursion: recursion, final: run, fitted: run.fitted,
            aicc: aicc,
            estimate: ETSEstimate(parameters: p, initial: .init(level: level, trend: trend, seasons: seasons)),
            sigma2: sse / (Double(n) - k - 1),
            intervals: ResidualIntervals(actual: y, fitted: run.fitted))
    }
}

/// A fitted ETS model: its structure, parameters, final state and information criteria.
public struct ETSFit: FittedModel {
    public let spec: ETSSpec
    let m: Int
    let parameters: ETSParameters
    let recursion: ETSRecursion
    let final: ETSRecursion.Run
    public let fitted: [Double]
    public let aicc: Double
    /// The optimum found, from which a refit on a longer history can start.
    public let estimate: ETSEstimate
    /// AutoETS: the optimum of every structure it compared, for warm-started refits.
    var candidates: [ETSSpec: ETSEstimate] = [:]
    public let sigma2: Double
    let intervals: ResidualIntervals

    public var modelName: String { spec.description }
    public var alpha: Double { parameters.alpha }
    public var beta: Double { parameters.beta }
    public var gamma: Double { parameters.gamma }
    public var phi: Double { parameters.phi }

    public func predict(horizon: Int, level: Double) throws -> Forecast {
        try validate(horizon: horizon, level: level)
        let mean = recursion.forecast(level: final.level, trend: final.trend, seasons: final.seasons, horizon: horizon)
        // Interval width grows with the class-1 variance factor 1 + sum c_j^2,
        // c_j = alpha + beta (phi + ... + phi^j) + gamma [j divisible by m] (Hyndman et al. 2008, ch. 6).
        var factors = [Double](repeating: 1, count: horizon)
        var cumulative = 1.0, phiSum = 0.0
        for j in 1..<max(1, horizon) {
            phiSum += power(parameters.phi, Double(j))
            var c = parameters.alpha
            if spec.trend != .none { c += parameters.beta * phiSum }
            if spec.season != .none && m > 1 && j % m == 0 { c += parameters.gamma }
            cumulative += c * c
            factors[j] = cumulative
        }
        return intervals.forecast(mean: mean, level: level) { factors[$0 - 1] }
    }
}

/// One structure's estimate: smoothing parameters and the initial state at the series' first period.
public struct ETSEstimate: Sendable {
    let parameters: ETSParameters
    let initial: ETSInitialization.State
}
