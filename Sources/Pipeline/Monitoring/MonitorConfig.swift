import Foundation

/// Thresholds of `forecastctl monitor` (ops/monitoring.json; these defaults when no file is given).
///
/// Drift: PSI per feature and segment, warn at `psiWarn`, critical at `psiCritical` (the usual
/// 0.1 / 0.25), raised to what is normal for the data: when a feature and segment have at least
/// 10 earlier PSI values, its warn level is at least `adaptiveFactor` x their 95th percentile and
/// its critical level at least 2.5 x that (small segments are noisy by nature; they should not
/// page every night). Only features in `criticalFeatures` page (critical tier); drift of the
/// others is a warning. Quality: spikes against the mean of the trailing runs.
public struct MonitorConfig: Codable, Sendable, Equatable {
    public var psiWarn = 0.1
    public var psiCritical = 0.25
    public var adaptiveFactor = 1.5
    public var trailingRuns = 30
    /// Segments with fewer series are not judged on their own (they still count in "all").
    public var minSegmentSeries = 20
    public var criticalFeatures = ["price", "recent_mean", "forecast_mean"]
    /// Absolute rise of a feature's missing share over the trailing runs' mean.
    public var missingRateSpike = 0.2
    /// Absolute rise of the share of series without recent sales.
    public var zeroRateSpike = 0.15
    /// Relative drop of the series count below the trailing median.
    public var seriesDrop = 0.1
    /// Share of series served by the naive fallback.
    public var fallbackShare = 0.05
    /// Accuracy alerts need this many evaluated forecasts over at least this many days of targets.
    public var accuracyMinForecasts = 200
    public var accuracyMinDays = 28
    /// Served WAPE above baseline WAPE x (1 + this), over the last 4 weeks.
    public var accuracyWorseThanBaseline = 0.0
    /// Served WAPE above the production version's backtest WAPE x (1 + this), over the last 4 weeks.
    public var accuracyWorseThanBacktest = 0.10
    /// A retrain request when the production version learned from data older than this (days).
    public var retrainEveryDays = 28
    /// A retrain request when an important feature drifted critically in this many consecutive runs.
    public var driftRunsForRetrain = 3

    public init() {}

    enum CodingKeys: String, CodingKey {
        case psiWarn = "psi_warn", psiCritical = "psi_critical", adaptiveFactor = "adaptive_factor", trailingRuns = "trailing_runs"
        case minSegmentSeries = "min_segment_series", criticalFeatures = "critical_features", missingRateSpike = "missing_rate_spike"
        case zeroRateSpike = "zero_rate_spike", seriesDrop = "series_drop", fallbackShare = "fallback_share"
        case accuracyMinForecasts = "accuracy_min_forecasts", accuracyMinDays = "accuracy_min_days"
        case accuracyWorseThanBaseline = "accuracy_worse_than_baseline", accuracyWorseThanBacktest = "accuracy_worse_than_backtest"
        case retrainEveryDays = "retrain_every_days", driftRunsForRetrain = "drift_runs_for_retrain"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MonitorConfig()
        psiWarn = try c.decodeIfPresent(Double.self, forKey: .psiWarn) ?? d.psiWarn
        psiCritical = try c.decodeIfPresent(Double.self, forKey: .psiCritical) ?? d.psiCritical
        adaptiveFactor = try c.decodeIfPresent(Double.self, forKey: .adaptiveFactor) ?? d.adaptiveFactor
        trailingRuns = try c.decodeIfPresent(Int.self, forKey: .trailingRuns) ?? d.trailingRuns
        minSegmentSeries = try c.decodeIfPresent(Int.self, forKey: .minSegmentSeries) ?? d.minSegmentSeries
        criticalFeatures = try c.decodeIfPresent([String].self, forKey: .criticalFeatures) ?? d.criticalFeatures
        missingRateSpike = try c.decodeIfPresent(Double.self, forKey: .missingRateSpike) ?? d.missingRateSpike
        zeroRateSpike = try c.decodeIfPresent(Double.self, forKey: .zeroRateSpike) ?? d.zeroRateSpike
        seriesDrop = try c.decodeIfPresent(Double.self, forKey: .seriesDrop) ?? d.seriesDrop
        fallbackShare = try c.decodeIfPresent(Double.self, forKey: .fallbackShare) ?? d.fallbackShare
        accuracyMinForecasts = try c.decodeIfPresent(Int.self, forKey: .accuracyMinForecasts) ?? d.accuracyMinForecasts
        accuracyMinDays = try c.decodeIfPresent(Int.self, forKey: .accuracyMinDays) ?? d.accuracyMinDays
        accuracyWorseThanBaseline = try c.decodeIfPresent(Double.self, forKey: .accuracyWorseThanBaseline) ?? d.accuracyWorseThanBaseline
        accuracyWorseThanBacktest = try c.decodeIfPresent(Double.self, forKey: .accuracyWorseThanBacktest) ?? d.accuracyWorseThanBacktest
        retrainEveryDays = try c.decodeIfPresent(Int.self, forKey: .retrainEveryDays) ?? d.retrainEveryDays
        driftRunsForRetrain = try c.decodeIfPresent(Int.self, forKey: .driftRunsForRetrain) ?? d.driftRunsForRetrain
    }

    public static func load(_ path: String) throws -> MonitorConfig {
        do {
            return try JSONDecoder().decode(MonitorConfig.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw PipelineError.configuration("cannot read the monitoring thresholds \(path): \(error)")
        }
    }
}
