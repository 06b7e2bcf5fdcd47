import Forecasting
import GradientBoosting

/// Which model serves a series: one model for all, or the backtest's choice per demand class
/// (the class judged on the series' own history up to the cutoff, as in the backtest).
public struct ModelChoice: Sendable {
    public let model: any ForecastModel
    /// The model's own name (without fallback), whose calibration applies.
    public let primaryName: String
    /// Served by the run's trained global model (`model` is unused then).
    public var usesGlobal = false
    /// Fitted on the series' own prices and promotions (`PriceRegression`; `model` serves when it cannot
    /// fit). With `usesGlobal` too: a member of the combination.
    public var usesPrices = false
    /// The run's global models that serve (one) or join the combination, by name in `ChunkForecaster.globals`.
    public var globalNames: [String] = []
    /// The combination this choice serves (`ModelSpec+Combination.swift`); nil: one model.
    public var combination: ModelSpec?

    static func global(_ spec: ModelSpec) throws -> ModelChoice {
        ModelChoice(model: Naive(), primaryName: try spec.primaryName(), usesGlobal: true, globalNames: [try spec.primaryName()])
    }

    /// The choice of a spec: a global model, the price regression, or a local model.
    static func of(_ spec: ModelSpec) throws -> ModelChoice {
        switch spec.kind {
        case .xgboost: return try .global(spec)
        case .priceRegression: return ModelChoice(model: Naive(), primaryName: PriceRegression.name, usesPrices: true)
        case .combination:
            return ModelChoice(
                model: Naive(), primaryName: try spec.primaryName(), usesGlobal: true, usesPrices: spec.combinesPrices,
                globalNames: try spec.globalMembers.map { try $0.primaryName() }, combination: spec)
        default: return ModelChoice(model: try spec.build(), primaryName: try spec.primaryName())
        }
    }
}

public enum ModelChooser: Sendable {
    case single(ModelChoice)
    case byClass([String: ModelChoice])

    public static func from(_ config: RunConfig) throws -> ModelChooser {
        if let selection = config.selection {
            var out: [String: ModelChoice] = [:]
            for (segment, spec) in selection {
                out[segment] = try .of(spec)
            }
            guard out["all"] != nil else {
                throw PipelineError.configuration("the model selection has no overall ('all') model")
            }
            return .byClass(out)
        }
        return .single(try .of(config.model))
    }

    public func choose(_ history: [Double], frequency: Frequency) -> ModelChoice {
        switch self {
        case .single(let choice): return choice
        case .byClass(let table):
            return table[DemandClass.classify(history, frequency: frequency).rawValue] ?? table["all"]!
        }
    }
}
