/// The ETS state-space recursions (Hyndman et al. 2008, tables 2.2/2.3, in the form of
/// forecast::ets's C code): one-step forecasts, errors, state updates and the likelihood.
///
/// State layout: level, trend (if any), then m seasonal states where `s[m-1]` is the one used
/// for the next period and `s[0]` the one just updated.
struct ETSRecursion {
    let spec: ETSSpec
    let m: Int
    let p: ETSParameters

    static let tiny = 1e-10
    static let huge = 1e10

    /// Point forecasts for steps 1...h from one state.
    func forecast(level l: Double, trend b: Double, seasons s: [Double], horizon h: Int) -> [Double] {
        var out = [Double](repeating: 0, count: h)
        var phiStar = p.phi
        for i in 0..<h {
            var f: Double
            switch spec.trend {
            case .none: f = l
            case .additive: f = l + phiStar * b
            case .multiplicative: f = b < 0 ? .nan : l * power(b, phiStar)
            }
            if spec.season != .none {
                var j = m - 1 - i
                while j < 0 { j += m }
                f = spec.season == .additive ? f + s[j] : f * s[j]
            }
            out[i] = f
            if i < h - 1 {
                phiStar += abs(p.phi - 1) < Self.tiny ? 1 : power(p.phi, Double(i + 1))
            }
        }
        return out
    }

    struct Run {
        var errors: [Double]
        var fitted: [Double]
        /// -2 log-likelihood up to a constant: n log(sum e^2) (+ 2 sum log|f| for multiplicative error).
        var likelihood: Double
        var level: Double
        var trend: Double
        var seasons: [Double]
    }

    /// Runs the filter over `y` from the initial state.
    func run(_ y: [Double], level l0: Double, trend b0: Double, seasons s0: [Double]) -> Run {
        var l = l0, b = b0, s = s0
        let n = y.count
        var errors = [Double](repeating: .nan, count: n)
        var fitted = [Double](repeating: .nan, count: n)
        var sse = 0.0, logSum = 0.0
        let hasSeason = spec.season != .none
        for t in 0..<n {
            // One-step forecast.
            var f: Double
            var q: Double, phib: Double
            switch spec.trend {
            case .none: phib = 0; q = l; f = l
            case .additive: phib = p.phi * b; q = l + phib; f = q
            case .multiplicative:
                phib = abs(p.phi - 1) < Self.tiny ? b : power(b, p.phi)
                q = l * phib
                f = b < 0 ? .nan : q
            }
            let sPrev = hasSeason ? s[m - 1] : 0
            if hasSeason { f = spec.season == .additive ? f + sPrev : f * sPrev }
            guard f.isFinite else {
                return Run(errors: errors, fitted: fitted, likelihood: .nan, level: l, trend: b, seasons: s)
            }
            fitted[t] = f
            let e = spec.error == .additive ? y[t] - f : (y[t] - f) / f
            errors[t] = e
            sse += e * e
            logSum += logarithm(abs(f))
            // Level.
            let pv: Double
            switch spec.season {
            case .none: pv = y[t]
            case .additive: pv = y[t] - sPrev
            case .multiplicative: pv = abs(sPrev) < Self.tiny ? Self.huge : y[t] / sPrev
            }
            let newLevel = q + p.alpha * (pv - q)
            // Trend.
            if spec.trend != .none {
                let r: Double
                if spec.trend == .additive { r = newLevel - l } else { r = abs(l) < Self.tiny ? Self.huge : newLevel / l }
                b = phib + (p.beta / p.alpha) * (r - phib)
            }
            // Season.
            if hasSeason {
                let tv: Double
                if spec.season == .additive { tv = y[t] - q } else { tv = abs(q) < Self.tiny ? Self.huge : y[t] / q }
                let newest = sPrev + p.gamma * (tv - sPrev)
                for j in stride(from: m - 1, to: 0, by: -1) { s[j] = s[j - 1] }
                s[0] = newest
            }
            l = newLevel
        }
        var likelihood = Double(n) * logarithm(sse)
        if spec.error == .multiplicative { likelihood += 2 * logSum }
        return Run(errors: errors, fitted: fitted, likelihood: likelihood, level: l, trend: b, seasons: s)
    }
}
