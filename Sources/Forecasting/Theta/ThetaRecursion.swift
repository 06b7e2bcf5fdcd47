/// The Theta method as a state-space model (Fiorucci, Pellegrini, Louzada, Petropoulos & Koehler
/// 2016; the forecTheta R package, ported by statsforecast). Per period the state is the smoothed
/// level, the running mean of y, the trend-line intercept A and slope B, and the one-step forecast
///
///   mu(t) = level(t-1) + (1 - 1/theta) * (A(t-1) (1-alpha)^t + B(t-1) (1 - (1-alpha)^(t+1)) / alpha)
///
/// Standard variants (STM, OTM) fix A and B to the least-squares line through the whole sample;
/// dynamic variants (DSTM, DOTM) update them from the data seen so far. STM and DSTM fix theta = 2.
struct ThetaRecursion {
    enum Variant: String, CaseIterable, Sendable { case stm = "STM", otm = "OTM", dstm = "DSTM", dotm = "DOTM" }

    let variant: Variant
    let alpha: Double
    let theta: Double

    var dynamic: Bool { variant == .dstm || variant == .dotm }

    struct State { var level, meanY, a, b, mu: Double }

    func initial(_ y: [Double], level0: Double) -> State {
        var s = State(level: alpha * y[0] + (1 - alpha) * level0, meanY: y[0], a: y[0], b: 0, mu: y[0])
        if !dynamic {
            let n = Double(y.count)
            var weighted = 0.0, sum = 0.0
            for (i, v) in y.enumerated() {
                weighted += Double(i + 1) * v
                sum += v
            }
            let meanY = sum / n
            s.b = 6 * (2 * (weighted / n) - (1 + n) * meanY) / (n * n - 1)
            s.a = meanY - (n + 1) * s.b / 2
        }
        return s
    }

    /// The state at index i from the state at i-1; `y` nil = use the forecast (mu) as the observation.
    func step(_ prev: State, index i: Int, y: Double?) -> State {
        step(prev, index: i, y: y, decay: power(1 - alpha, Double(i)))
    }

    /// One step given `decay` = (1 - alpha)^i (the filter keeps it as a running product).
    @inline(__always)
    func step(_ prev: State, index i: Int, y: Double?, decay: Double) -> State {
        let mu = prev.level + (1 - 1 / theta) * (prev.a * decay + prev.b * (1 - decay * (1 - alpha)) / alpha)
        let obs = y ?? mu
        var next = State(
            level: alpha * obs + (1 - alpha) * prev.level,
            meanY: (Double(i) * prev.meanY + obs) / Double(i + 1), a: prev.a, b: prev.b, mu: mu)
        if dynamic {
            next.b = (Double(i - 1) * prev.b + 6 * (obs - prev.meanY) / Double(i + 1)) / Double(i + 2)
            next.a = next.meanY - next.b * Double(i + 2) / 2
        }
        return next
    }

    /// Runs the filter; returns the errors, one-step forecasts and the final state.
    func run(_ y: [Double], level0: Double) -> (errors: [Double], fitted: [Double], last: State, mse: Double) {
        let n = y.count
        var errors = [Double](repeating: 0, count: n), fitted = [Double](repeating: .nan, count: n)
        let out = filter(y, level0: level0) { i, mu in
            fitted[i] = mu
            errors[i] = y[i] - mu
        }
        return (errors, fitted, out.last, out.mse)
    }

    /// Only the fitting criterion: what the optimiser calls (no per-call arrays).
    func mse(_ y: [Double], level0: Double) -> Double {
        filter(y, level0: level0) { _, _ in }.mse
    }

    /// The recursion: `observe(i, mu)` at every period; mse = sum of squared errors after the
    /// first three periods over the mean absolute value of y (forecTheta's criterion).
    @inline(__always)
    private func filter(_ y: [Double], level0: Double, observe: (Int, Double) -> Void) -> (last: State, mse: Double) {
        let n = y.count
        var s = initial(y, level0: level0)
        observe(0, s.mu)
        var sse = 0.0, sumAbs = abs(y[0])
        var decay = 1.0
        let keep = 1 - alpha
        for i in 1..<max(1, n) {
            decay *= keep
            s = step(s, index: i, y: y[i], decay: decay)
            observe(i, s.mu)
            let e = y[i] - s.mu
            if i >= 3 { sse += e * e }
            sumAbs += abs(y[i])
        }
        var meanAbs = sumAbs / Double(n)
        if meanAbs < 1e-10 { meanAbs = 1e-10 }
        return (s, sse / meanAbs)
    }

    func forecast(from last: State, n: Int, horizon: Int) -> [Double] {
        var s = last
        return (0..<horizon).map { h in
            s = step(s, index: n + h, y: nil)
            return s.mu
        }
    }
}
