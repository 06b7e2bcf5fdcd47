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
public struct AutoETS: ForecastModel {
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
        if y.allSatisfy({ $0 == y[0] }) {
            return try ETSEstimator.fit(y, spec: ETSSpec(error: .additive, trend: .none, season: .none), m: 1, fixedAlpha: 0.9999)
        }
        let seasonal = seasonLength > 1 && y.count > seasonLength
        let positive = y.allSatisfy { $0 > 0 }
        var best: ETSFit?
        for spec in ETSSpec.candidates(seasonal: seasonal, positive: positive) {
            let m = spec.season == .none ? 1 : seasonLength
            guard let fit = try? ETSEstimator.fit(y, spec: spec, m: m), fit.aicc.isFinite else { continue }
            if best == nil || fit.aicc < best!.aicc { best = fit }
        }
        guard let best else {
            throw ForecastError.invalidParameter(model: "AutoETS", message: "no ETS model could be fitted to \(y.count) observations")
        }
        return best
    }
}
