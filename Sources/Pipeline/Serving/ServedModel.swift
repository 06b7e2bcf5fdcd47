import Forecasting
import GradientBoosting
import Postgres

/// What can serve a series: the closed set of things the worker knows how to forecast with,
/// each with what it needs. Runs (`ChunkForecaster`), the per-series backtest engine
/// (`FoldEvaluator`) and the engine of the models that read prices (`BacktestRunner+Global`)
/// all forecast through `forecast(_:_:)`, fallbacks included, so a backtest scores the rows a run
/// at its cutoff serves (`ServingParityTests`).
public enum ServedModel: Sendable {
    /// A per-series model fitted on the history alone: a baseline, a statistical model, the
    /// median ensemble, each with its fallback chain and, for `:log1p`, its transform.
    case local(any ForecastModel, primaryName: ModelName)
    /// One of the run's global boosters (trained across its series), by name.
    case global(name: ModelName)
    /// The per-series regression on the series' own prices and promotions; the naive forecast
    /// serves where it cannot fit (no prices, too short a history), named `Naive`.
    case priceRegression
    /// Several members combined period by period (`ModelSpec+Combination.swift`).
    case combination(ModelSpec, primaryName: ModelName, globalNames: [ModelName])

    /// `model_name` of a series served by the naive forecast because its own model failed.
    public static let fallbackName: ModelName = "Naive[fallback]"

    public init(_ spec: ModelSpec) throws {
        switch spec.kind {
        case .xgboost: self = .global(name: try spec.primaryName())
        case .priceRegression: self = .priceRegression
        case .combination:
            self = .combination(spec, primaryName: try spec.primaryName(), globalNames: try spec.globalMembers.map { try $0.primaryName() })
        default: self = .local(try spec.build(), primaryName: try spec.primaryName())
        }
    }

    /// The model's own name without its fallback, whose calibration applies.
    public var primaryName: ModelName {
        switch self {
        case .local(_, let name), .global(let name), .combination(_, let name, _): return name
        case .priceRegression: return ModelName(PriceRegression.name)
        }
    }

    /// The run's global boosters this model needs, by name (`GlobalTraining.Predictor`).
    public var globalNames: [ModelName] {
        switch self {
        case .global(let name): return [name]
        case .combination(_, _, let names): return names
        case .local, .priceRegression: return []
        }
    }

    /// Fits the price regression on the series' prices and promotions (alone or as a member).
    public var fitsPrices: Bool {
        switch self {
        case .priceRegression: return true
        case .combination(let spec, _, _): return spec.combinesPrices
        case .local, .global: return false
        }
    }

    /// Fitted per series on its history alone.
    public var isLocal: Bool {
        if case .local = self { return true }
        return false
    }
}

/// One series at one origin, as every kind of model sees it.
public struct SeriesAtOrigin {
    /// The history up to the origin, stockout periods imputed (the leakage guard: nothing later).
    public let training: () -> [Double]
    /// A run's or a fold's global booster's forecast of this series, by name.
    public var global: (ModelName) throws -> Forecast = { name in
        throw PipelineError.configuration("the global model \(name) is not loaded")
    }
    /// The price regression's forecast; throws `ForecastError` where it cannot fit.
    public var regression: () throws -> Forecast = {
        throw ForecastError.invalidParameter(model: PriceRegression.name, message: "the series has no prices")
    }
    /// How a per-series model is fitted (a backtest reuses fits across its ensemble and folds).
    public var fit: (any ForecastModel, [Double]) throws -> any FittedModel = { model, y in try model.fit(y) }

    public init(training: @escaping () -> [Double]) { self.training = training }
}

extension ServedModel {
    /// How far ahead, at which interval level, with which conformal calibrations (runs only).
    public struct Settings: Sendable {
        public var horizon: Int, level: Double, seasonLength: Int
        public var calibrations: [ModelName: ConformalCalibration] = [:]
        public init(horizon: Int, level: Double, seasonLength: Int, calibrations: [ModelName: ConformalCalibration] = [:]) {
            self.horizon = horizon
            self.level = level
            self.seasonLength = seasonLength
            self.calibrations = calibrations
        }
    }

    /// The forecast served for a series, clamped at zero, and the name of what served it. A
    /// series whose model fails is served the naive forecast (`fallbackName`): one series does
    /// not fail the work item. Errors of the infrastructure (`PostgresError`, `PipelineError`:
    /// e.g. a global model not loaded) are not the series' fault and are thrown.
    public func forecast(_ series: SeriesAtOrigin, _ settings: Settings) throws -> (name: ModelName, forecast: Forecast) {
        do {
            let (name, f) = try unclamped(series, settings)
            return (name, calibrated(f, names: isLocal ? [name, primaryName] : [name], series, settings).clampedNonNegative())
        } catch let error as PostgresError {
            throw error
        } catch let error as PipelineError {
            throw error
        } catch {
            let f = try Naive().forecast(series.training(), horizon: settings.horizon, level: settings.level)
            return (Self.fallbackName, f.clampedNonNegative())
        }
    }

    private func unclamped(_ series: SeriesAtOrigin, _ settings: Settings) throws -> (ModelName, Forecast) {
        switch self {
        case .local(let model, _):
            let fitted = try series.fit(model, series.training())
            return (ModelName(fitted.modelName), try fitted.predict(horizon: settings.horizon, level: settings.level))
        case .global(let name):
            return (name, try series.global(name))
        case .priceRegression:
            do {
                return (ModelName(PriceRegression.name), try series.regression())
            } catch is ForecastError {
                let fitted = try Naive().fit(series.training())
                return (ModelName(fitted.modelName), try fitted.predict(horizon: settings.horizon, level: settings.level))
            }
        case .combination(let spec, _, let names):
            // The price regression joins where it fits (`ModelSpec.combine`).
            let regression = spec.combinesPrices ? try? series.regression() : nil
            return try spec.combine(globals: names.map(series.global), regression: regression)
        }
    }

    /// The conformal interval of the first of `names` the run has a calibration for.
    private func calibrated(_ f: Forecast, names: [ModelName], _ series: SeriesAtOrigin, _ settings: Settings) -> Forecast {
        guard let calibration = names.lazy.compactMap({ settings.calibrations[$0] }).first else { return f }
        var f = f
        let scale = conformalScale(series.training(), seasonLength: settings.seasonLength)
        (f.lower, f.upper) = calibration.interval(mean: f.mean, scale: scale)
        return f
    }
}

extension SeriesAtOrigin {
    /// The same series whose fits, global forecasts and price regression are computed once and
    /// reused: what serving it again at another interval level needs (`ChunkForecaster`, `--levels`),
    /// where only the calibration differs. Not shared across threads (one series, one worker).
    func reusingResults() -> SeriesAtOrigin {
        final class Memo {
            var fits: [String: any FittedModel] = [:]
            var globals: [ModelName: Forecast] = [:]
            var regression: Result<Forecast, Error>?
        }
        let memo = Memo()
        var out = self
        let (fit, global, regression) = (self.fit, self.global, self.regression)
        out.fit = { model, y in
            if let fitted = memo.fits[model.name] { return fitted }
            let fitted = try fit(model, y)
            memo.fits[model.name] = fitted
            return fitted
        }
        out.global = { name in
            if let f = memo.globals[name] { return f }
            let f = try global(name)
            memo.globals[name] = f
            return f
        }
        out.regression = {
            if let r = memo.regression { return try r.get() }
            let r = Result { try regression() }
            memo.regression = r
            return try r.get()
        }
        return out
    }
}
