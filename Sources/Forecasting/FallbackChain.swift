/// Tries models in order and serves the series with the first one that fits: e.g.
/// `SeasonalNaive(7)` for a series with a week of history, `Naive` for a brand-new item.
/// The fitted value's `modelName` names the member that served, so the output row says so.
public struct FallbackChain: ForecastModel {
    public let models: [any ForecastModel]

    public init(_ models: [any ForecastModel]) throws {
        guard !models.isEmpty else {
            throw ForecastError.invalidParameter(model: "FallbackChain", message: "needs at least one model")
        }
        self.models = models
    }

    public var name: String { models.map(\.name).joined(separator: " > ") }
    public var minimumObservations: Int { models.map(\.minimumObservations).min() ?? 1 }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        var lastError: Error = ForecastError.tooShort(model: name, needed: minimumObservations, got: y.count)
        for model in models where y.count >= model.minimumObservations {
            do {
                return try model.fit(y)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }
}
