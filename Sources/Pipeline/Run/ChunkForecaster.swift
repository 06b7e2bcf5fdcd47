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
    public var calibrations: [ModelName: ConformalCalibration] = [:]
    /// The extra levels' calibrations (`RunConfig.quantileLevels`), per level and model name.
    public var quantileCalibrations: [Double: [ModelName: ConformalCalibration]] = [:]
    /// The run's trained global models by name, when the run uses any.
    public var globals: [ModelName: GlobalTraining.Predictor] = [:]
    /// Where the rows go: `forecast.forecasts` (one row per period), or with this role ("shadow",
    /// "baseline") `forecast.side_forecast_paths` (one row per series, the horizon in arrays).
    public var role: String?
    /// The horizon's target dates (the same for every series of the run).
    public let targetDates: [PostgresDate]

    public init(
        runID: Int64, cutoff: PostgresDate, generatedAt: PostgresTimestamp, modelVersion: String, config: RunConfig,
        chooser: ModelChooser, reader: SeriesReader, calibrations: [ModelName: ConformalCalibration] = [:]
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

    /// The extra levels' COPY target (`forecast.forecast_quantiles`): one row per series and level,
    /// the horizon in arrays, in the order `encode` writes them.
    public static let quantileLayout = CopyLayout(
        schema: SQLIdentifier("forecast"), table: "forecast_quantiles",
        columns: ["run_id", "item_id", "location_id", "interval_level", "yhat_lower", "yhat_upper"])

    public struct SeriesFailure: Error, CustomStringConvertible {
        public let itemID: String
        public let locationID: String
        public let underlying: Error
        public var description: String { "series \(itemID)/\(locationID): \(underlying)" }
    }

    /// What served a series: the model's name and its mean point forecast over the horizon.
    public struct Served: Sendable {
        public let modelName: ModelName
        public let meanForecast: Double
        /// Mean width of the interval over the horizon.
        public let meanWidth: Double
    }

    /// The global models' forecasts for the series of a work item that choose one, by series
    /// number: one prediction call per model for the whole item (XGBoost's per-call cost, which
    /// includes reading the cgroup CPU limits, is paid once, not once per series). Empty when no
    /// series chooses a global model, or when a prediction call fails (`encode` then predicts
    /// series by series, and a failing series falls back as usual).
    public func globalForecasts(_ series: [SeriesInput], segments: [Int: GlobalTraining.Segment]) -> [Int: [ModelName: Forecast]] {
        guard !globals.isEmpty else { return [:] }
        var byModel: [ModelName: [(no: Int, series: GlobalSeries, origin: Int)]] = [:]
        for s in series {
            let model = chooser.choose(Censoring.impute(s.values, censored: s.censored), frequency: config.frequency)
            for name in model.globalNames {
                guard let global = globals[name] else { continue }
                let g = GlobalTraining.global(
                    s, segment: segments[s.seriesNo] ?? GlobalTraining.Segment(), codes: global.codes,
                    frequency: config.frequency)
                byModel[name, default: []].append((s.seriesNo, g, s.values.count - 1))
            }
        }
        var out: [Int: [ModelName: Forecast]] = [:]
        for (name, items) in byModel {
            guard let global = globals[name],
                let forecasts = try? global.trained.forecast(items.map { ($0.series, $0.origin) }, level: config.intervalLevel)
            else { continue }
            for (item, f) in zip(items, forecasts) { out[item.no, default: [:]][name] = f }
        }
        return out
    }

    /// How this run's models forecast: its horizon, interval level and calibrations.
    var settings: ServedModel.Settings {
        ServedModel.Settings(
            horizon: config.horizon, level: config.intervalLevel, seasonLength: config.frequency.defaultSeasonLength,
            calibrations: calibrations)
    }

    /// Appends `horizon` rows for one series (`ServedModel.forecast`: clamped at zero, the
    /// naive forecast where its model fails). `predicted`: this series' global forecasts from
    /// `globalForecasts` by model name, when its model uses global models. `competitors`: the
    /// price index of the series' category at its location (`CompetitorPrices`), for the price regression.
    @discardableResult
    public func encode(
        _ series: SeriesInput, segment: GlobalTraining.Segment? = nil, predicted: [ModelName: Forecast]? = nil,
        competitors: CompetitorIndex? = nil, into writer: inout BinaryCopyWriter
    ) throws -> Served {
        var none: BinaryCopyWriter?
        return try encode(series, segment: segment, predicted: predicted, competitors: competitors, into: &writer, quantilesInto: &none)
    }

    /// As `encode(_:segment:predicted:competitors:into:)`, and the run's extra levels
    /// (`RunConfig.quantileLevels`) into `quantiles` (nil: none are written or computed): for each level the same model serves the same
    /// series through `ServedModel.forecast` with that level's calibrations (fallbacks included),
    /// from the same fit, so the levels differ only in their intervals.
    @discardableResult
    public func encode(
        _ series: SeriesInput, segment: GlobalTraining.Segment? = nil, predicted: [ModelName: Forecast]? = nil,
        competitors: CompetitorIndex? = nil, into writer: inout BinaryCopyWriter, quantilesInto quantiles: inout BinaryCopyWriter?
    ) throws -> Served {
        do {
            // Stockout periods are unknown demand, not zeros: impute them before fitting.
            let training = Censoring.impute(series.values, censored: series.censored)
            let model = chooser.choose(training, frequency: config.frequency)
            let levels = role == nil && quantiles != nil ? config.quantileLevels ?? [] : []
            var at = at(series, training: training, segment: segment, predicted: predicted, competitors: competitors)
            if !levels.isEmpty { at = at.reusingResults() }
            let (name, forecast) = try model.forecast(at, settings)
            for level in levels {
                var s = settings
                s.level = level
                s.calibrations = quantileCalibrations[level] ?? [:]
                let (_, band) = try model.forecast(at, s)
                quantiles?.beginRow(Self.quantileLayout)
                quantiles?.append(runID)
                quantiles?.append(series.itemID)
                quantiles?.append(series.locationID)
                quantiles?.append(level)
                quantiles?.append(band.lower.prefix(config.horizon))
                quantiles?.append(band.upper.prefix(config.horizon))
            }
            return try write(series, forecast: forecast, modelName: name, into: &writer)
        } catch {
            throw SeriesFailure(itemID: series.itemID, locationID: series.locationID, underlying: error)
        }
    }

    /// The series at the run's cutoff, as `ServedModel.forecast` reads it.
    func at(
        _ series: SeriesInput, training: [Double], segment: GlobalTraining.Segment?, predicted: [ModelName: Forecast]?,
        competitors: CompetitorIndex?
    ) -> SeriesAtOrigin {
        var at = SeriesAtOrigin(training: { training })
        let (globals, config) = (globals, config)
        at.global = { name in
            guard let global = globals[name] else {
                throw PipelineError.configuration("the run's global model \(name) is not loaded")
            }
            if let f = predicted?[name] { return f }
            let g = GlobalTraining.global(
                series, segment: segment ?? GlobalTraining.Segment(), codes: global.codes, frequency: config.frequency)
            return try global.trained.forecast(g, origin: series.values.count - 1, level: config.intervalLevel)
        }
        at.regression = {
            let g = GlobalSeries(
                id: series.seriesNo, values: series.values, censored: series.censored,
                startDay: series.start.unixDays, category: -1, region: -1, planned: series.planned,
                frequency: config.frequency)
            return try PriceRegression(horizon: config.horizon, frequency: config.frequency)
                .forecast(g, origin: series.values.count - 1, level: config.intervalLevel, competitors: competitors)
        }
        return at
    }

    func write(_ series: SeriesInput, forecast: Forecast, modelName: ModelName, into writer: inout BinaryCopyWriter) throws -> Served {
        if let role {
            writer.beginRow(Self.sideLayout)
            writer.append(runID)
            writer.append(role)
            writer.append(series.itemID)
            writer.append(series.locationID)
            writer.append(modelName.text)
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
                writer.append(modelName.text)
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
