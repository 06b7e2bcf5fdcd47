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
        return Run(
            errors: errors, fitted: fitted, likelihood: out.likelihood, level: out.level, trend: out.trend,
            seasons: out.seasons)
    }

    /// Only the likelihood: what the optimiser calls thousands of times (no per-call arrays of n).
    func likelihood(_ y: [Double], level l0: Double, trend b0: Double, seasons s0: [Double]) -> Double {
        filter(y, level: l0, trend: b0, seasons: s0, finalState: false) { _, _, _ in }.likelihood
    }
}
