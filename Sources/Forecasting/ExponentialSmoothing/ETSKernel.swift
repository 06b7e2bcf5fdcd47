/// The ETS filter compiled once per structure. Each component kind is a type, so the generic
/// kernel is specialised for every (error, trend, season) combination and the per-step branches
/// on the structure fold away; this loop is what the optimiser runs thousands of times per fit.
protocol ETSComponentKind {
    static var component: ETSSpec.Component { get }
}

enum ETSNone: ETSComponentKind { static var component: ETSSpec.Component { .none } }
enum ETSAdditive: ETSComponentKind { static var component: ETSSpec.Component { .additive } }
enum ETSMultiplicative: ETSComponentKind { static var component: ETSSpec.Component { .multiplicative } }

struct ETSFilterResult {
    var likelihood: Double
    var level: Double
    var trend: Double
    var seasons: [Double]
}

extension ETSRecursion {
    /// Runs the recursion over `y`, calling `observe(t, forecast, error)` at every step.
    /// Seasonal states live in a ring buffer: the state used at time t is `ring[t % m]`, and its
    /// update is written back to the same slot (used again at t + m).
    @inline(__always)
    /// `finalState: false` skips the final seasonal states (the optimiser needs the likelihood only).
    func filter(
        _ y: [Double], level l0: Double, trend b0: Double, seasons s0: [Double], finalState: Bool = true,
        observe: (Int, Double, Double) -> Void
    ) -> ETSFilterResult {
        switch spec.error {
        case .multiplicative: return withTrend(ETSMultiplicative.self)
        default: return withTrend(ETSAdditive.self)
        }

        func withTrend<E: ETSComponentKind>(_: E.Type) -> ETSFilterResult {
            switch spec.trend {
            case .none: return withSeason(E.self, ETSNone.self)
            case .additive: return withSeason(E.self, ETSAdditive.self)
            case .multiplicative: return withSeason(E.self, ETSMultiplicative.self)
            }
        }

        func withSeason<E: ETSComponentKind, T: ETSComponentKind>(_: E.Type, _: T.Type) -> ETSFilterResult {
            switch spec.season {
            case .none: return kernel(E.self, T.self, ETSNone.self, y, l0, b0, s0, finalState, observe)
            case .additive: return kernel(E.self, T.self, ETSAdditive.self, y, l0, b0, s0, finalState, observe)
            case .multiplicative: return kernel(E.self, T.self, ETSMultiplicative.self, y, l0, b0, s0, finalState, observe)
            }
        }
    }

    @inline(__always)
    private func kernel<E: ETSComponentKind, T: ETSComponentKind, S: ETSComponentKind>(
        _: E.Type, _: T.Type, _: S.Type, _ y: [Double], _ l0: Double, _ b0: Double, _ s0: [Double], _ finalState: Bool,
        _ observe: (Int, Double, Double) -> Void
    ) -> ETSFilterResult {
        let hasSeason = S.component != .none
        let multiplicativeError = E.component == .multiplicative
        let ringCount = hasSeason ? m : 1
        let alpha = p.alpha, gamma = p.gamma, phi = p.phi
        let betaOverAlpha = p.beta / p.alpha, beta = p.beta
        let oneMinusAlpha = 1 - alpha, levelFromTrend = (1 - alpha) * phi, trendFromTrend = phi * (1 - p.beta)
        let phiIsOne = abs(phi - 1) < Self.tiny
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: ringCount) { ring in
            if hasSeason { for k in 0..<m { ring[k] = s0[m - 1 - k] } } else { ring[0] = 0 }
            var l = l0, b = b0
            var sse = 0.0, logSum = 0.0, product = 1.0
            var slot = 0
            let n = y.count
            let failed: Bool = y.withUnsafeBufferPointer { y in
                for t in 0..<n {
                    let yt = y[t]
                    var f: Double
                    let q: Double, phib: Double
                    switch T.component {
                    case .none:
                        phib = 0
                        q = l
                        f = l
                    case .additive:
                        phib = phi * b
                        q = l + phib
                        f = q
                    case .multiplicative:
                        phib = phiIsOne ? b : power(b, phi)
                        q = l * phib
                        f = b < 0 ? .nan : q
                    }
                    let sPrev = hasSeason ? ring[slot] : 0
                    switch S.component {
                    case .none: break
                    case .additive: f += sPrev
                    case .multiplicative: f *= sPrev
                    }
                    guard f.isFinite else { return true }
                    let e = multiplicativeError ? (yt - f) / f : yt - f
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
                    switch S.component {
                    case .none: pv = yt
                    case .additive: pv = yt - sPrev
                    case .multiplicative: pv = abs(sPrev) < Self.tiny ? Self.huge : yt / sPrev
                    }
                    // Level and additive trend in their linear state-space form (Hyndman et al. 2008,
                    // ch. 3): l' = (1-alpha) l + (1-alpha) phi b + alpha pv and
                    // b' = phi (1-beta) b + beta pv - beta l. Algebraically the forecast::ets update
                    // (tested to 1e-9); the loop-carried chain is a multiply and one or two adds per
                    // step instead of five dependent operations.
                    let newLevel: Double
                    switch T.component {
                    case .none:
                        newLevel = oneMinusAlpha * l + alpha * pv
                    case .additive:
                        newLevel = oneMinusAlpha * l + (levelFromTrend * b + alpha * pv)
                        b = (trendFromTrend * b + beta * pv) - beta * l
                    case .multiplicative:
                        newLevel = q + alpha * (pv - q)
                        let r = abs(l) < Self.tiny ? Self.huge : newLevel / l
                        b = phib + betaOverAlpha * (r - phib)
                    }
                    if hasSeason {
                        let tv: Double
                        if S.component == .additive { tv = yt - q } else { tv = abs(q) < Self.tiny ? Self.huge : yt / q }
                        ring[slot] = sPrev + gamma * (tv - sPrev)
                        slot += 1
                        if slot == m { slot = 0 }
                    }
                    l = newLevel
                }
                return false
            }
            if failed { return ETSFilterResult(likelihood: .nan, level: l, trend: b, seasons: s0) }
            var likelihood = Double(n) * logarithm(sse)
            if multiplicativeError { likelihood += 2 * (logSum + logarithm(product)) }
            var seasons: [Double] = []
            if hasSeason && finalState {
                seasons = [Double](repeating: 0, count: m)
                for k in 0..<m { seasons[m - 1 - k] = ring[(n + k) % m] }
            }
            return ETSFilterResult(likelihood: likelihood, level: l, trend: b, seasons: seasons)
        }
    }
}
