/// Teunter–Syntetos–Babai (2011): SES of the demand probability (1 where y != 0) with `alphaP`,
/// updated every period, and SES of the positive demand sizes with `alphaD`; the forecast is
/// probability x size. Unlike Croston it decays towards zero while no demand arrives, which suits
/// obsolescence. Checked against statsforecast `TSB(alpha_d, alpha_p)`.
public struct TSB: ForecastModel {
    public let alphaD: Double
    public let alphaP: Double

    public init(alphaD: Double, alphaP: Double) throws {
        guard alphaD > 0, alphaD <= 1, alphaP > 0, alphaP <= 1 else {
            throw ForecastError.invalidParameter(model: "TSB", message: "alphas must be in (0, 1], got \(alphaD), \(alphaP)")
        }
        self.alphaD = alphaD
        self.alphaP = alphaP
    }

    public var name: String { "TSB(\(alphaD),\(alphaP))" }
    public var minimumObservations: Int { 1 }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        try requireObservations(y)
        var fitted = [Double](repeating: .nan, count: y.count)
        var probability = y[0] != 0 ? 1.0 : 0.0
        var size = y[0] > 0 ? y[0] : Double.nan
        for t in 1..<max(1, y.count) {
            fitted[t] = probability * (size.isFinite ? size : 0)
            let occurred = y[t] != 0
            probability = alphaP * (occurred ? 1 : 0) + (1 - alphaP) * probability
            if y[t] > 0 { size = size.isFinite ? alphaD * y[t] + (1 - alphaD) * size : y[t] }
        }
        let forecast = size.isFinite ? probability * size : 0
        return FlatFit(
            name: name, level: forecast, fitted: fitted, intervals: ResidualIntervals(actual: y, fitted: fitted),
            steps: { _ in 1 })
    }
}
