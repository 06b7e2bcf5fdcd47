/// Exponential smoothing state-space model with a given structure, e.g. `ETS(A,Ad,A)`; smoothing
/// parameters and initial states are estimated by maximum likelihood (Nelder–Mead on
/// `n log(SSE)` (+ `2 sum log|yhat|` for multiplicative errors)), as in Hyndman et al. (2008) and
/// forecast::ets. Checked against statsforecast `AutoETS(model=...)` on committed fixtures.
public struct ETS: ForecastModel {
    public let spec: ETSSpec
    public let seasonLength: Int

    public init(_ spec: ETSSpec, seasonLength: Int) throws {
        guard seasonLength >= 1 else {
            throw ForecastError.invalidParameter(model: "\(spec)", message: "season length must be at least 1, got \(seasonLength)")
        }
        self.spec = spec
        self.seasonLength = seasonLength
    }

    public var name: String { spec.description }
    public var minimumObservations: Int { spec.season == .none ? 3 : max(4, seasonLength + 1) }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        try requireObservations(y)
        return try ETSEstimator.fit(y, spec: spec, m: spec.season == .none ? 1 : seasonLength)
    }
}

/// Automatic ETS: fits every admissible structure (additive or multiplicative error; no,
/// additive or damped trend; no, additive or multiplicative season; multiplicative components
/// only for positive data) and keeps the one with the lowest AICc, as forecast::ets and
/// statsforecast `AutoETS` do. Constant series get ETS(A,N,N) with alpha = 0.9999.
public struct AutoETS: Refittable {
    public let seasonLength: Int

    public init(seasonLength: Int) throws {
        guard seasonLength >= 1 else {
            throw ForecastError.invalidParameter(model: "AutoETS", message: "season length must be at least 1, got \(seasonLength)")
        }
        self.seasonLength = seasonLength
    }

    public var name: String { "AutoETS" }
    public var minimumObservations: Int { 3 }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        try requireObservations(y)
        if let constant = try Self.constantFit(y) { return constant }
        let candidates = ETSSpec.candidates(seasonal: isSeasonal(y), positive: y.allSatisfy { $0 > 0 })
        return try select(y, among: candidates, starts: [:], sameOrigin: false)
    }

    /// Warm-started refit (see `Refittable`); the structure is the (error, trend, season) triple.
    public func refit(_ y: [Double], after previous: any FittedModel, keepStructure: Bool, sameOrigin: Bool) throws -> any FittedModel {
        try requireObservations(y)
        guard let previous = previous as? ETSFit, !previous.candidates.isEmpty else { return try fit(y) }
        if let constant = try Self.constantFit(y) { return constant }
        let allowed = ETSSpec.candidates(seasonal: isSeasonal(y), positive: y.allSatisfy { $0 > 0 })
        if keepStructure, allowed.contains(previous.spec) {
            return try select(y, among: [previous.spec], starts: previous.candidates, sameOrigin: sameOrigin)
        }
        return try select(y, among: allowed, starts: previous.candidates, sameOrigin: sameOrigin)
    }

    func isSeasonal(_ y: [Double]) -> Bool { SeasonalityGuard.allowsSeasonalForm(seasonLength: seasonLength, observations: y.count) }

    /// Constant series get ETS(A,N,N) with alpha = 0.9999.
    static func constantFit(_ y: [Double]) throws -> ETSFit? {
        guard y.allSatisfy({ $0 == y[0] }) else { return nil }
        return try ETSEstimator.fit(y, spec: ETSSpec(error: .additive, trend: .none, season: .none), m: 1, fixedAlpha: 0.9999)
    }

    /// Fits each structure and keeps the lowest AICc; the result remembers every optimum.
    func select(_ y: [Double], among specs: [ETSSpec], starts: [ETSSpec: ETSEstimate], sameOrigin: Bool) throws -> ETSFit {
        var best: ETSFit?
        var estimates: [ETSSpec: ETSEstimate] = [:]
        for spec in specs {
            let m = spec.season == .none ? 1 : seasonLength
            guard let fit = try? ETSEstimator.fit(y, spec: spec, m: m, start: starts[spec], sameOrigin: sameOrigin),
                fit.aicc.isFinite
            else { continue }
            estimates[spec] = fit.estimate
            if best == nil || fit.aicc < best!.aicc { best = fit }
        }
        guard var best else {
            throw ForecastError.invalidParameter(model: "AutoETS", message: "no ETS model could be fitted to \(y.count) observations")
        }
        best.candidates = estimates
        return best
    }
}
