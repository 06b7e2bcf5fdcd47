import Forecasting
import GradientBoosting

/// Which model serves a series: one model for all, or the backtest's choice per demand class
/// (the class judged on the series' own history up to the cutoff, as in the backtest).
public enum ModelChooser: Sendable {
    case single(ServedModel)
    case byClass([SelectionSegment: ServedModel])

    public static func from(_ config: RunConfig) throws -> ModelChooser {
        if let selection = config.selection {
            var out: [SelectionSegment: ServedModel] = [:]
            for (segment, spec) in selection {
                out[segment] = try ServedModel(spec)
            }
            guard out[.all] != nil else {
                throw PipelineError.configuration("the model selection has no overall ('all') model")
            }
            return .byClass(out)
        }
        return .single(try ServedModel(config.model))
    }

    public func choose(_ history: [Double], frequency: Frequency) -> ServedModel {
        switch self {
        case .single(let model): return model
        case .byClass(let table):
            return table[SelectionSegment(DemandClass.classify(history, frequency: frequency))] ?? table[.all]!
        }
    }
}
