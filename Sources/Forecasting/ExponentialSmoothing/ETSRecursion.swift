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

    /// Runs the filter over `y` from the initial state, keeping errors and fitted values.
    func run(_ y: [Double], level l0: Double, trend b0: Double, seasons s0: [Double]) -> Run {
        var errors = [Double](repeating: .nan, count: y.count)
        var fitted = [Double](repeating: .nan, count: y.count)
        let out = filter(y, level: l0, trend: b0, seasons: s0) { t, f, e in
            fitted[t] = f
            errors[t] = e
        }
        return Run(errors: errors, fitted: fitted, likelihood: out.likelihood, level: out.level, trend: out.trend,
                   seasons: out.seasons)
    }

    /// Only the likelihood: what the optimiser calls thousands of times (no per-call arrays of n).
    func likelihood(_ y: [Double], level l0: Double, trend b0: Double, seasons s0: [Double]) -> Double {
        filter(y, level: l0, trend: b0, seasons: s0) { _, _, _ in }.likelihood
    }

    /// The recursion itself. Seasonal states live in a ring buffer: the state used at time t is
    /// `ring[t % m]`, and its update is written back to the same slot (used again at t + m).
    @inline(__always)
    func filter(_ y: [Double], level l0: Double, trend b0: Double, seasons s0: [Double],
                observe: (Int, Double, Double) -> Void) -> (likelihood: Double, level: Double, trend: Double, seasons: [Double]) {
        var l = l0, b = b0
        let n = y.count
        let hasSeason = spec.season != .none
        var ring = [Double](repeating: 0, count: hasSeason ? m : 0)
        if hasSeason { for k in 0..<m { ring[k] = s0[m - 1 - k] } }
        var sse = 0.0, logSum = 0.0, product = 1.0
        let multiplicativeError = spec.error == .multiplicative
        var slot = 0
        for t in 0..<n {
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
            let sPrev = hasSeason ? ring[slot] : 0
            if hasSeason { f = spec.season == .additive ? f + sPrev : f * sPrev }
            guard f.isFinite else { return (.nan, l, b, s0) }
            let e = multiplicativeError ? (y[t] - f) / f : y[t] - f
            observe(t, f, e)
            sse += e * e
            if multiplicativeError {
                // sum log|f| without a log per step: multiply, and fold into the sum before overflow.
                product *= abs(f)
                if product > 1e150 || product < 1e-150 {
                    logSum += logarithm(product)
                    product = 1
                }
            }
            let pv: Double
            switch spec.season {
            case .none: pv = y[t]
            case .additive: pv = y[t] - sPrev
            case .multiplicative: pv = abs(sPrev) < Self.tiny ? Self.huge : y[t] / sPrev
            }
            let newLevel = q + p.alpha * (pv - q)
            if spec.trend != .none {
                let r: Double
                if spec.trend == .additive { r = newLevel - l } else { r = abs(l) < Self.tiny ? Self.huge : newLevel / l }
                b = phib + (p.beta / p.alpha) * (r - phib)
            }
            if hasSeason {
                let tv: Double
                if spec.season == .additive { tv = y[t] - q } else { tv = abs(q) < Self.tiny ? Self.huge : y[t] / q }
                ring[slot] = sPrev + p.gamma * (tv - sPrev)
                slot += 1
                if slot == m { slot = 0 }
            }
            l = newLevel
        }
        var likelihood = Double(n) * logarithm(sse)
        if multiplicativeError { likelihood += 2 * (logSum + logarithm(product)) }
        var seasons: [Double] = []
        if hasSeason {
            seasons = [Double](repeating: 0, count: m)
            for k in 0..<m { seasons[m - 1 - k] = ring[(n + k) % m] }
        }
        return (likelihood, l, b, seasons)
    }
}
