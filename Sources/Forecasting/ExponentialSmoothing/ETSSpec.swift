/// The structure of an ETS model (Hyndman, Koehler, Ord & Snyder 2008): error, trend and
/// season components and whether the trend is damped, e.g. `ETS(M,Ad,M)`.
public struct ETSSpec: Hashable, Sendable, CustomStringConvertible {
    public enum Component: Character, Sendable { case none = "N", additive = "A", multiplicative = "M" }

    public let error: Component
    public let trend: Component
    public let season: Component
    public let damped: Bool

    public init(error: Component, trend: Component, season: Component, damped: Bool = false) {
        self.error = error
        self.trend = trend
        self.season = season
        self.damped = damped && trend != .none
    }

    /// Parses "AAN", "MAdM"-style codes: error, trend (+ "d" when damped), season.
    public init?(code: String) {
        var chars = Array(code)
        var damped = false
        if chars.count == 4, chars[2] == "d" {
            damped = true
            chars.remove(at: 2)
        }
        guard chars.count == 3, let e = Component(rawValue: chars[0]), let t = Component(rawValue: chars[1]),
            let s = Component(rawValue: chars[2]), e != .none
        else { return nil }
        self.init(error: e, trend: t, season: s, damped: damped)
    }

    public var description: String {
        "ETS(\(error.rawValue),\(trend.rawValue)\(damped ? "d" : ""),\(season.rawValue))"
    }

    /// The combinations forecast::ets and statsforecast consider with `restrict = TRUE` and no
    /// multiplicative trend: additive error never with a multiplicative component.
    static func candidates(seasonal: Bool, positive: Bool) -> [ETSSpec] {
        var out: [ETSSpec] = []
        for e in [Component.additive, .multiplicative] {
            for t in [Component.none, .additive] {
                for s in [Component.none, .additive, .multiplicative] {
                    for d in [true, false] {
                        if t == .none && d { continue }
                        if e == .additive && s == .multiplicative { continue }
                        if !positive && (e == .multiplicative || s == .multiplicative) { continue }
                        if !seasonal && s != .none { continue }
                        out.append(ETSSpec(error: e, trend: t, season: s, damped: d))
                    }
                }
            }
        }
        return out
    }
}

/// Smoothing parameters; beta, gamma and phi are unused (0, 0, 1) when the component is absent.
struct ETSParameters: Sendable, Equatable {
    var alpha: Double
    var beta: Double
    var gamma: Double
    var phi: Double
}
