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

    static func global(_ spec: ModelSpec) throws -> ModelChoice {
        ModelChoice(model: Naive(), primaryName: try spec.primaryName(), usesGlobal: true)
    }
}

public enum ModelChooser: Sendable {
    case single(ModelChoice)
    case byClass([String: ModelChoice])

    public static func from(_ config: RunConfig) throws -> ModelChooser {
        if let selection = config.selection {
            var out: [String: ModelChoice] = [:]
            for (segment, spec) in selection {
                out[segment] = spec.kind == .xgboost ? try .global(spec) : ModelChoice(model: try spec.build(), primaryName: try spec.primaryName())
            }
            guard out["all"] != nil else {
                throw PipelineError.configuration("the model selection has no overall ('all') model")
            }
            return .byClass(out)
        }
        if config.model.kind == .xgboost {
            return .single(try .global(config.model))
        }
        return .single(ModelChoice(model: try config.model.build(), primaryName: try config.model.primaryName()))
    }

    public func choose(_ history: [Double], frequency: Frequency) -> ModelChoice {
        switch self {
        case .single(let choice): return choice
        case .byClass(let table):
            return table[DemandClass.classify(history, frequency: frequency).rawValue] ?? table["all"]!
        }
    }
}
