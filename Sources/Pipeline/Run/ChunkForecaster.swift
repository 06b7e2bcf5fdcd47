import Forecasting
import GradientBoosting
import Postgres

/// Turns a work item's series into canonical forecast rows, encoded for binary COPY.
public struct ChunkForecaster: Sendable {
    public let runID: Int64
    public let cutoff: PostgresDate
    public let generatedAt: PostgresTimestamp
    public let modelVersion: String
    public let config: RunConfig
    public let chooser: ModelChooser
    public let reader: SeriesReader
    /// Conformal calibrations by model name (empty: residual intervals).
    public var calibrations: [String: ConformalCalibration] = [:]
    /// The run's trained global models by name, when the run uses any.
    public var globals: [String: GlobalTraining.Predictor] = [:]
    /// Where the rows go: `forecast.forecasts` (one row per period), or with this role ("shadow",
    /// "baseline") `forecast.side_forecast_paths` (one row per series, the horizon in arrays).
    public var role: String?
    /// The horizon's target dates (the same for every series of the run).
    public let targetDates: [PostgresDate]

    public init(
        runID: Int64, cutoff: PostgresDate, generatedAt: PostgresTimestamp, modelVersion: String, config: RunConfig,
        chooser: ModelChooser, reader: SeriesReader, calibrations: [String: ConformalCalibration] = [:]
    ) {
        self.runID = runID
        self.cutoff = cutoff
        self.generatedAt = generatedAt
        self.modelVersion = modelVersion
        self.config = config
        self.chooser = chooser
        self.reader = reader
        self.calibrations = calibrations
        targetDates = (0..<max(0, config.horizon)).map { reader.targetDate(step: $0 + 1) }
    }

    /// The forecast rows' COPY target, in the order `encode` writes the fields.
    public static let layout = CopyLayout(
        schema: SQLIdentifier("forecast"), table: "forecasts",
        columns: [
            "item_id", "location_id", "ds", "horizon", "yhat", "yhat_lower", "yhat_upper", "interval_level", "model_name",
            "model_version", "run_id", "cutoff", "generated_at",
        ])

    /// A side forecast's COPY target: one row per series, `ds` and the values as arrays over the
    /// horizon (`forecast.side_forecasts` shows them per period), in the order `write` encodes them.
    public static let sideLayout = CopyLayout(
        schema: SQLIdentifier("forecast"), table: "side_forecast_paths",
        columns: [
            "run_id", "role", "item_id", "location_id", "model_name", "model_version", "cutoff", "generated_at",
            "interval_level", "ds", "yhat", "yhat_lower", "yhat_upper",
        ])

    public struct SeriesFailure: Error, CustomStringConvertible {
        public let itemID: String
        public let locationID: String
        public let underlying: Error
        public var description: String { "series \(itemID)/\(locationID): \(underlying)" }
    }

    /// What served a series: the model's name and its mean point forecast over the horizon.
    public struct Served: Sendable {
        public let modelName: String
        public let meanForecast: Double
        /// Mean width of the interval over the horizon.
        public let meanWidth: Double
    }

    /// The global models' forecasts for the series of a work item that choose one, by series
    /// number: one prediction call per model for the whole item (XGBoost's per-call cost, which
    /// includes reading the cgroup CPU limits, is paid once, not once per series). Empty when no
    /// series chooses a global model, or when a prediction call fails (`encode` then predicts
    /// series by series, and a failing series falls back as usual).
    public func globalForecasts(_ series: [SeriesInput], segments: [Int: GlobalTraining.Segment]) -> [Int: [String: Forecast]] {
        guard !globals.isEmpty else { return [:] }
        var byModel: [String: [(no: Int, series: GlobalSeries, origin: Int)]] = [:]
        for s in series {
            let choice = chooser.choose(Censoring.impute(s.values, censored: s.censored), frequency: config.frequency)
            guard choice.usesGlobal else { continue }
            for name in choice.globalNames {
                guard let global = globals[name] else { continue }
                let g = GlobalTraining.global(
                    s, segment: segments[s.seriesNo] ?? GlobalTraining.Segment(), codes: global.codes,
                    frequency: config.frequency)
                byModel[name, default: []].append((s.seriesNo, g, s.values.count - 1))
            }
        }
        var out: [Int: [String: Forecast]] = [:]
        for (name, items) in byModel {
            guard let global = globals[name],
                let forecasts = try? global.trained.forecast(items.map { ($0.series, $0.origin) }, level: config.intervalLevel)
            else { continue }
            for (item, f) in zip(items, forecasts) { out[item.no, default: [:]][name] = f }
        }
        return out
    }

    /// Appends `horizon` rows for one series. Demand forecasts are clamped at zero.
    /// `predicted`: this series' global forecasts from `globalForecasts` by model name, when its
    /// choice uses global models.
    @discardableResult
    /// `competitors`: the price index of the series' category at its location (`CompetitorPrices`), for the price regression.
    public func encode(
        _ series: SeriesInput, segment: GlobalTraining.Segment? = nil, predicted: [String: Forecast]? = nil,
        competitors: CompetitorIndex? = nil, into writer: inout BinaryCopyWriter
    ) throws -> Served {
        let forecast: Forecast
        let modelName: String
        do {
            // Stockout periods are unknown demand, not zeros: impute them before fitting.
            let training = Censoring.impute(series.values, censored: series.censored)
            let choice = chooser.choose(training, frequency: config.frequency)
            if choice.usesGlobal {
                let forecasts = try choice.globalNames.map { name -> Forecast in
                    guard let global = globals[name] else {
                        throw PipelineError.configuration("the run's global model \(name) is not loaded")
                    }
                    if let f = predicted?[name] { return f }
                    let g = GlobalTraining.global(
                        series, segment: segment ?? GlobalTraining.Segment(),
                        codes: global.codes, frequency: config.frequency)
                    return try global.trained.forecast(g, origin: series.values.count - 1, level: config.intervalLevel)
                }
                var (served, f) = (choice.globalNames[0], forecasts[0])
                if let combination = choice.combination {
                    // The price regression joins where it fits (`ModelSpec.combine`, as in backtests).
                    let regression = choice.usesPrices ? (try? priceRegression(series, training: training, fallback: nil, competitors: competitors))?.0 : nil
                    (served, f) = try combination.combine(globals: forecasts, regression: regression)
                }
                return try write(
                    series, forecast: calibrated(f, name: served, training: training).clampedNonNegative(),
                    modelName: served, into: &writer)
            }
            if choice.usesPrices {
                let (f, name) = try priceRegression(series, training: training, fallback: choice.model, competitors: competitors)
                return try write(
                    series, forecast: calibrated(f, name: name, training: training).clampedNonNegative(),
                    modelName: name, into: &writer)
            }
            let fitted = try choice.model.fit(training)
            var f = try fitted.predict(horizon: config.horizon, level: config.intervalLevel)
            if let calibration = calibrations[fitted.modelName] ?? calibrations[choice.primaryName] {
                let scale = conformalScale(training, seasonLength: config.frequency.defaultSeasonLength)
                (f.lower, f.upper) = calibration.interval(mean: f.mean, scale: scale)
            }
            forecast = f.clampedNonNegative()
            modelName = fitted.modelName
        } catch let error as PostgresError {
            throw SeriesFailure(itemID: series.itemID, locationID: series.locationID, underlying: error)
        } catch let error as PipelineError {  // e.g. the run's global model is not loaded: not this series' fault
            throw SeriesFailure(itemID: series.itemID, locationID: series.locationID, underlying: error)
        } catch {
            // The series' own model failed (not the infrastructure): one series does not fail the
            // work item. The naive forecast serves it, named so on the row and counted in the summary.
            do {
                let training = Censoring.impute(series.values, censored: series.censored)
                let f = try Self.fallback(training, horizon: config.horizon, level: config.intervalLevel)
                return try write(series, forecast: f.clampedNonNegative(), modelName: Self.fallbackName, into: &writer)
            } catch {
                throw SeriesFailure(itemID: series.itemID, locationID: series.locationID, underlying: error)
            }
        }
        return try write(series, forecast: forecast, modelName: modelName, into: &writer)
    }

    /// The price regression's forecast from the cutoff, or, where it cannot fit (no prices, too
    /// short a history), the choice's fallback model's, named as such (as a fallback chain does).
    func priceRegression(
        _ series: SeriesInput, training: [Double], fallback: (any ForecastModel)?,
        competitors: CompetitorIndex? = nil
    ) throws -> (Forecast, String) {
        let g = GlobalSeries(
            id: series.seriesNo, values: series.values, censored: series.censored,
            startDay: series.start.unixDays, category: -1, region: -1, planned: series.planned,
            frequency: config.frequency)
        do {
            let model = PriceRegression(horizon: config.horizon, frequency: config.frequency)
            return (
                try model.forecast(g, origin: series.values.count - 1, level: config.intervalLevel, competitors: competitors),
                PriceRegression.name
            )
        } catch let error as ForecastError {
            guard let fallback else { throw error }
            let fitted = try fallback.fit(training)
            return (try fitted.predict(horizon: config.horizon, level: config.intervalLevel), fitted.modelName)
        }
    }

    /// The conformal interval of the model's calibration, when the run has one for it.
    func calibrated(_ f: Forecast, name: String, training: [Double]) -> Forecast {
        guard let calibration = calibrations[name] else { return f }
        var f = f
        let scale = conformalScale(training, seasonLength: config.frequency.defaultSeasonLength)
        (f.lower, f.upper) = calibration.interval(mean: f.mean, scale: scale)
        return f
    }

    /// `model_name` of a series served by the naive forecast because its own model failed.
    public static let fallbackName = "Naive[fallback]"

    /// The forecast of a series whose own model failed (`fallbackName`), in runs and backtests alike.
    static func fallback(_ training: [Double], horizon: Int, level: Double) throws -> Forecast {
        try Naive().forecast(training, horizon: horizon, level: level)
    }

    func write(_ series: SeriesInput, forecast: Forecast, modelName: String, into writer: inout BinaryCopyWriter) throws -> Served {
        if let role {
            writer.beginRow(Self.sideLayout)
            writer.append(runID)
            writer.append(role)
            writer.append(series.itemID)
            writer.append(series.locationID)
            writer.append(modelName)
            writer.append(modelVersion)
            writer.append(cutoff)
            writer.append(generatedAt)
            writer.append(config.intervalLevel)
            writer.append(targetDates)
            writer.append(forecast.mean.prefix(config.horizon))
            writer.append(forecast.lower.prefix(config.horizon))
            writer.append(forecast.upper.prefix(config.horizon))
        } else {
            for h in 0..<config.horizon {
                writer.beginRow(Self.layout)
                writer.append(series.itemID)
                writer.append(series.locationID)
                writer.append(targetDates[h])
                writer.append(Int32(h + 1))
                writer.append(forecast.mean[h])
                writer.append(forecast.lower[h])
                writer.append(forecast.upper[h])
                writer.append(config.intervalLevel)
                writer.append(modelName)
                writer.append(modelVersion)
                writer.append(runID)
                writer.append(cutoff)
                writer.append(generatedAt)
            }
        }
        let h = Double(max(1, config.horizon))
        return Served(
            modelName: modelName, meanForecast: forecast.mean.prefix(config.horizon).reduce(0, +) / h,
            meanWidth: zip(forecast.upper.prefix(config.horizon), forecast.lower.prefix(config.horizon)).reduce(0) { $0 + $1.0 - $1.1 } / h)
    }
}
