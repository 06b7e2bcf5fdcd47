import Forecasting
import Foundation
import GradientBoosting
import Postgres

/// Which model serves the series (with `Naive` as the fallback where a model needs more history).
public struct ModelSpec: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case seasonalNaive = "seasonal_naive", naive, movingAverage = "moving_average"
        case ses, croston, crostonSBA = "croston_sba", tsb, autoETS = "auto_ets", autoTheta = "auto_theta"
        /// Median of AutoETS, SES, seasonal naive and the moving average.
        case ensemble
        /// Per demand class, the model the newest backtest selected.
        case selected
        /// The global gradient-boosted model (XGBoost), trained once across all series of the run.
        case xgboost
        /// Per series, a log-log regression on its own prices and promotions with a local level
        /// (`PriceRegression`): needs the planned inputs, like the global model.
        case priceRegression = "price_regression"
        /// Several readings of the same series combined period by period (`ModelSpec.members`): the
        /// log-scale mean of two global boosters on the log level and the price regression, each
        /// a median (`ModelSpec+Combination.swift`).
        case combination
    }

    /// Reads the series' prices and promotions (the global model, the price regression, their combination).
    public var usesPlannedInputs: Bool { kind == .xgboost || kind == .priceRegression || kind == .combination }

    /// Fits on the series' own price and promotion history (the price regression, alone or combined).
    public var fitsOnPlannedHistory: Bool { kind == .priceRegression || (kind == .combination && combinesPrices) }

    /// The global models this spec needs trained: itself, or a combination's boosters.
    public var globalMembers: [ModelSpec] {
        switch kind {
        case .xgboost: return [self]
        case .combination: return combinationMembers.filter { $0.kind == .xgboost }
        default: return []
        }
    }

    /// The served specs of a model and its selection (by segment name), in a stable order.
    static func served(_ model: ModelSpec, _ selection: [SelectionSegment: ModelSpec]?) -> [ModelSpec] {
        [model] + (selection.map { s in s.keys.sorted().map { s[$0]! } } ?? [])
    }

    /// The global models those specs need, each once.
    static func globalMembers(of specs: [ModelSpec]) -> [ModelSpec] {
        var out: [ModelSpec] = []
        for spec in specs { for g in spec.globalMembers where !out.contains(g) { out.append(g) } }
        return out
    }

    public var kind: Kind
    public var seasonLength: Int
    public var window: Int
    /// Local models: fitted on log(1 + y), point = the median (`auto_ets:log1p`). Nil: raw units.
    public var transform: TargetTransform?
    /// A combination's members (`kind == .combination`), combined on the log scale; nil in policies
    /// stored before issue 28, whose combination is the arithmetic mean of XGBoost (Tweedie) and
    /// the price regression (`combinationMembers`).
    public var members: [ModelSpec]?
    /// The global model: Tweedie (the mean, default), absolute error (the median, `xgboost:l1`), or the
    /// log-space boosters (`xgboost:log`, `xgboost:log_depth`, `xgboost:log_cat`).
    public var objective: BoostingObjective?

    public init(kind: Kind, seasonLength: Int, window: Int, transform: TargetTransform? = nil, objective: BoostingObjective? = nil) {
        self.kind = kind
        self.seasonLength = seasonLength
        self.window = window
        self.transform = transform
        self.objective = objective
        if kind == .combination { members = Self.defaultCombination(seasonLength: seasonLength, window: window) }
    }

    /// Parses `kind[:variant]`: `auto_ets`, `auto_theta:log1p`, `xgboost:l1`, `xgboost:tweedie`.
    public init(parsing text: some StringProtocol, seasonLength: Int, window: Int) throws {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let kind = Kind(rawValue: first) else {
            if let shown = Self.shown(text.trimmingCharacters(in: .whitespaces), seasonLength: seasonLength, window: window) {
                self = shown
                return
            }
            throw PipelineError.invalidArgument(
                "unknown model '\(text)'; choose from \(Self.spellingList), or a name as backtest shows it (e.g. XGBoost[log])"
            )
        }
        self.init(kind: kind, seasonLength: seasonLength, window: window)
        guard parts.count == 2 else { return }
        if kind == .xgboost, let objective = BoostingObjective(rawValue: parts[1]) {
            self.objective = objective == .tweedie ? nil : objective
        } else if kind == .combination {
            members = try Self.combinationMembers(parsing: parts[1], seasonLength: seasonLength, window: window)
        } else if !usesPlannedInputs && kind != .selected, let transform = TargetTransform(rawValue: parts[1]) {
            self.transform = transform
        } else {
            throw PipelineError.invalidArgument(
                "model '\(text)': unknown variant '\(parts[1])'; local models take :log1p, xgboost takes :tweedie, :l1, :log, :log_depth or :log_cat, combination takes its members joined by '+' (e.g. combination:xgboost:log+xgboost:log_depth+price_regression)"
            )
        }
    }

    /// The spelling `init(parsing:)` reads.
    public var argument: String {
        if let transform { return "\(kind.rawValue):\(transform.rawValue)" }
        if let objective { return "\(kind.rawValue):\(objective.rawValue)" }
        if kind == .combination, let members, !isDefaultCombination {
            return "\(kind.rawValue):" + members.map(\.argument).joined(separator: "+")
        }
        return kind.rawValue
    }

    /// The model with its fallback chain, e.g. `SeasonalNaive(7) > Naive`, or
    /// `AutoETS[log1p] > Naive` when fitted on log units.
    public func build() throws -> any ForecastModel {
        let model = try buildRaw()
        guard transform == .log1p else { return model }
        if let chain = model as? FallbackChain {
            return try FallbackChain([Log1pTransformed(chain.models[0])] + chain.models.dropFirst())
        }
        return try FallbackChain([Log1pTransformed(model), Naive()])
    }

    func buildRaw() throws -> any ForecastModel {
        switch kind {
        case .selected:
            throw PipelineError.invalidArgument("--model selected needs a backtest that selected models; run `forecastctl backtest` first")
        case .xgboost:
            throw PipelineError.invalidArgument("xgboost is a global model: it is trained once per run, not per series")
        case .priceRegression, .combination:
            throw PipelineError.invalidArgument(
                "\(kind.rawValue) fits each series on its prices and promotions: it is served from the series' planned inputs, not built as a local model")
        case .naive: return Naive()
        case .seasonalNaive: return try FallbackChain([try SeasonalNaive(seasonLength: seasonLength), Naive()])
        case .movingAverage: return try FallbackChain([try MovingAverage(window: window), Naive()])
        case .ses: return try SimpleExponentialSmoothing(alpha: 0.1)
        case .croston: return Croston(variant: .classic)
        case .crostonSBA: return Croston(variant: .sba)
        case .tsb: return try TSB(alphaD: 0.1, alphaP: 0.1)
        case .autoETS: return try FallbackChain([try AutoETS(seasonLength: seasonLength), Naive()])
        case .autoTheta: return try FallbackChain([try AutoTheta(seasonLength: seasonLength), Naive()])
        case .ensemble:
            return try FallbackChain([
                try MedianEnsemble([
                    try AutoETS(seasonLength: seasonLength), try SimpleExponentialSmoothing(alpha: 0.1),
                    try SeasonalNaive(seasonLength: seasonLength), try MovingAverage(window: window),
                ]),
                Naive(),
            ])
        }
    }
}

extension ModelSpec {
    /// `model_name` of the combination (`ModelSpec.Kind.combination`).
    public static let combinationName = "Combination"

    /// The model's own name without its fallback, e.g. `SeasonalNaive(7)`.
    public func primaryName() throws -> ModelName {
        if kind == .selected { return .selected }
        if kind == .xgboost { return ModelName(GlobalBoostedModel.name(objective ?? .tweedie)) }
        if kind == .priceRegression { return ModelName(PriceRegression.name) }
        if kind == .combination { return try combinationPrimaryName() }
        let model = try build()
        if let chain = model as? FallbackChain { return ModelName(chain.models[0].name) }
        return ModelName(model.name)
    }
}
