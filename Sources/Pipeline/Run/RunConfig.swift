import Forecasting
import Foundation
import GradientBoosting
import Postgres

/// Everything that determines a run's output besides the database state. Stored in `runs.config`.
public struct RunConfig: Codable, Sendable, Equatable {
    public var horizon: Int
    public var frequency: Frequency
    public var model: ModelSpec
    /// Nominal coverage of the stored interval.
    public var intervalLevel: Double
    /// More levels published beside it (`--levels`, `forecast.forecast_quantiles`), each calibrated by
    /// `calibrationBacktestID` at that level; nil: none (and absent from the stored JSON).
    public var quantileLevels: [Double]?
    /// Series per work item.
    public var chunkSize: Int
    public var leaseSeconds: Double
    public var heartbeatSeconds: Double
    public var maxAttempts: Int
    public var inputSchema: String
    public var staleSLAHours: Double
    public var minVolumeRatio: Double
    /// The cutoff's period must hold sales rows from at least this share of the series an average
    /// recent period has (the `sales_period_landed` contract); nil: `defaultMinLandedShare`.
    public var minLandedShare: Double?
    /// `--accept-empty-period`: the cutoff's period is genuinely empty or short (a closure), so
    /// `sales_period_landed` is recorded as waived instead of blocking. Kept in `runs.config`.
    public var acceptEmptyPeriod: Bool?
    public var landedShare: Double { minLandedShare ?? Self.defaultMinLandedShare }
    /// Conformal intervals from this backtest's calibration (nil: the model's residual intervals).
    /// Resolved when the run is created, so every worker and any rerun uses the same one.
    public var calibrationBacktestID: Int64?
    /// With `--model selected`: demand class ("fast", "slow", "intermittent", "new", "all") -> model.
    public var selection: [SelectionSegment: ModelSpec]?
    /// Extra item/location attributes the global model uses (`item.<key>`, `location.<key>`); nil: none.
    public var attributes: [String]?

    /// The registry version this run serves (nil: an ad-hoc `--model` run, or the bootstrap).
    public var served: ServedVersion?
    /// The shadow version the run also forecasts with, never published to `latest`.
    public var shadow: ShadowServing?

    /// The shadow's own configuration (same snapshot and run settings, its policy's model).
    public var shadowConfig: RunConfig? {
        guard let shadow else { return nil }
        return try? shadow.policy.applied(to: self, version: shadow.version, horizon: horizon)
    }

    /// The seasonal-naive baseline a run serving a registry version also writes, for evaluation
    /// (a bootstrap run serves it already; ad-hoc runs are experiments).
    public var baselineConfig: RunConfig? {
        guard served != nil else { return nil }
        var c = self
        c.model = ModelSpec(kind: .seasonalNaive, seasonLength: frequency.defaultSeasonLength, window: 28)
        c.selection = nil
        c.served = nil
        c.shadow = nil
        c.quantileLevels = nil
        return c
    }

    /// Whether the run needs a run-level step before workers start: training its own global
    /// model, or preparing the inputs of a served or shadow version's stored one.
    public var needsGlobalStep: Bool { usesGlobalModel || shadowConfig?.usesGlobalModel == true }
    /// The run trains its own global model (no stored version serves it): only after planning,
    /// from the planned series. Otherwise a global step is preparing stored versions, done while planning.
    public var trainsGlobalModelInRun: Bool { usesGlobalModel && served == nil }

    /// Statement timeouts per query class; nil: the defaults (configs stored before they existed).
    public var statementTimeouts: StatementTimeouts?
    public var timeouts: StatementTimeouts { statementTimeouts ?? StatementTimeouts() }

    /// Default of `--min-volume-ratio` (a contract parameter).
    public static let defaultMinVolumeRatio = 0.5
    /// Default of `--min-landed-share` (a contract parameter).
    public static let defaultMinLandedShare = 0.5

    public init(
        horizon: Int = 28, frequency: Frequency = .day, model: ModelSpec? = nil, intervalLevel: Double = 0.8,
        chunkSize: Int = 250, leaseSeconds: Double = 60, heartbeatSeconds: Double = 10, maxAttempts: Int = 3,
        inputSchema: String = "demand", staleSLAHours: Double = RunConfig.defaultStaleSLAHours(.day),
        minVolumeRatio: Double = RunConfig.defaultMinVolumeRatio
    ) {
        self.horizon = horizon
        self.frequency = frequency
        self.model = model ?? ModelSpec(kind: .seasonalNaive, seasonLength: frequency.defaultSeasonLength, window: 28)
        self.intervalLevel = intervalLevel
        self.chunkSize = chunkSize
        self.leaseSeconds = leaseSeconds
        self.heartbeatSeconds = heartbeatSeconds
        self.maxAttempts = maxAttempts
        self.inputSchema = inputSchema
        self.staleSLAHours = staleSLAHours
        self.minVolumeRatio = minVolumeRatio
    }

    /// How old the newest sales load may be at the as-of time: a day and a half for daily
    /// sources, eight days for weekly ones (a week's rows arrive after the week closes).
    public static func defaultStaleSLAHours(_ frequency: Frequency) -> Double { frequency == .day ? 36 : 192 }

    public func validate() throws {
        func check(_ ok: Bool, _ setting: Setting, _ problem: @autoclosure () -> String) throws {
            if !ok { throw PipelineError.invalidSetting(setting, problem()) }
        }
        try check(horizon >= 1 && horizon <= 3660, .horizon, "must be between 1 and 3660, got \(horizon)")
        try check(intervalLevel.isFinite && intervalLevel > 0 && intervalLevel < 1, .level, "must be between 0 and 1, got \(intervalLevel)")
        if let quantileLevels {
            try check(
                try QuantileLevels.validated(quantileLevels, main: intervalLevel) == quantileLevels, .levels,
                "must be sorted, distinct and other than --level, got \(quantileLevels)")
        }
        try check(chunkSize >= 1, .chunkSize, "must be at least 1, got \(chunkSize)")
        // Every number is finite and in range before anything is written (a lease of 1e17 s once
        // reached Postgres as an interval it could not parse and wedged the cutoff).
        try check(leaseSeconds.isFinite && leaseSeconds >= 1 && leaseSeconds <= 86_400, .leaseSeconds, "must be between 1 and 86400, got \(leaseSeconds)")
        try check(
            heartbeatSeconds.isFinite && heartbeatSeconds > 0 && heartbeatSeconds < leaseSeconds, .heartbeatSeconds,
            "(\(heartbeatSeconds) s) must be shorter than the lease (\(leaseSeconds) s)")
        try check(
            staleSLAHours.isFinite && staleSLAHours > 0 && staleSLAHours <= 8_760, .staleSLAHours,
            "must be between 0 and 8760 (a year), got \(staleSLAHours)")
        try check(minVolumeRatio.isFinite && minVolumeRatio >= 0 && minVolumeRatio <= 1, .minVolumeRatio, "must be between 0 and 1, got \(minVolumeRatio)")
        try check(landedShare.isFinite && landedShare >= 0 && landedShare <= 1, .minLandedShare, "must be between 0 and 1, got \(landedShare)")
        try check(maxAttempts <= 100, .maxAttempts, "must be at most 100, got \(maxAttempts)")
        try check(maxAttempts >= 1, .maxAttempts, "must be at least 1, got \(maxAttempts)")
        try check(model.seasonLength >= 1, .season, "must be at least 1, got \(model.seasonLength)")
        try check(model.window >= 1, .window, "must be at least 1, got \(model.window)")
        try check(!inputSchema.isEmpty, .inputSchema, "must not be empty")
        try SeriesAttributes.validate(attributes ?? [])
        try statementTimeouts?.validate()
    }

    public var schema: SQLIdentifier { SQLIdentifier(inputSchema) }

    /// The global models the run trains and serves: `--model xgboost[:l1]`, or those a selection
    /// chose for at least one demand class.
    public var globalModels: [ModelSpec] { ModelSpec.globalMembers(of: servedSpecs) }

    public var usesGlobalModel: Bool { !globalModels.isEmpty }

    /// Every model spec the run serves (its model and a selection's choices).
    var servedSpecs: [ModelSpec] { ModelSpec.served(model, selection) }
    /// A served model fits on the series' own price and promotion history (`price_regression`):
    /// workers read every planned input of their series, not only the origin's and the horizon's.
    public var fitsOnPlannedHistory: Bool { servedSpecs.contains(where: \.fitsOnPlannedHistory) }
    /// Workers read prices and promotions: a global step, or a served price regression (also the shadow's).
    public var readsPlannedInputs: Bool { needsGlobalStep || readsPlannedHistory }
    /// The run or its shadow serves a model fitted on the planned history: workers read all of it.
    public var readsPlannedHistory: Bool { fitsOnPlannedHistory || shadowConfig?.fitsOnPlannedHistory == true }

    /// Identifies the forecasting logic: the model chain plus the code version.
    public func modelVersion() throws -> String {
        if let served { return served.version }
        func name(_ spec: ModelSpec) throws -> String {
            spec.usesPlannedInputs ? "\(try spec.primaryName())(\(frequency.rawValue))" : try spec.build().name
        }
        if model.usesPlannedInputs {
            return "\(try name(model))@\(CodeVersion.current)"
        }
        if let selection {
            let parts = try selection.keys.sorted().map { "\($0.rawValue)=\(try name(selection[$0]!))" }
            return "Selected{\(parts.joined(separator: ";"))}@\(CodeVersion.current)"
        }
        return "\(try model.build().name)@\(CodeVersion.current)"
    }
}
