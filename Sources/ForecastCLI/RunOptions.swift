import ArgumentParser
import Forecasting
import Pipeline
import Postgres

/// Flags that define a run's snapshot and configuration (shared by `run` and `check`).
struct RunOptions: ParsableArguments {
    @Option(help: "Last period of history to use: YYYY-MM-DD, or yesterday / today (UTC). Weekly runs: a Sunday.")
    var cutoff: PostgresDate

    @Option(name: .customLong("as-of"), help: "Knowledge time: only rows loaded and plans known by then are read (default: now).")
    var asOf: PostgresTimestamp?

    @Option(parsing: .unconditional, help: "Periods to forecast (default: the served model version's horizon, else 28 for days and 13 for weeks).")
    var horizon: Int?

    @Option(help: "Series frequency: day or week.")
    var frequency: Frequency = .day

    @Option(
        help:
            "Default: the model version in production for the frequency (forecastctl models list; the bootstrap seasonal naive when there is none), and its shadow beside it. Ad hoc, one model; selected serves per demand class what the newest backtest chose (Naive serves series too short for a model). \(ModelHelp.choices)"
    )
    var model: String?

    @Option(parsing: .unconditional, help: "Season length for seasonal_naive (default 7 for days, 52 for weeks).")
    var season: Int?

    @Option(parsing: .unconditional, help: "Window for moving_average.")
    var window = 28

    @Option(parsing: .unconditional, help: "Nominal coverage of the stored interval.")
    var level = 0.8

    @Option(help: ArgumentHelp(LevelsArgument.help + " Needs a backtest run with the same --levels (or a version trained with them)."))
    var levels: LevelsArgument?

    @Option(name: .customLong("input-schema"), help: "Schema holding the input contract tables.")
    var inputSchema = "demand"

    @Option(
        name: .customLong("stale-sla-hours"), parsing: .unconditional,
        help: "Block the run if the newest sales load is older than this at the as-of time (default 36 for daily runs, 192 = 8 days for weekly ones).")
    var staleSLAHours: Double?

    @Option(
        name: .customLong("min-volume-ratio"), parsing: .unconditional, help: "Warn if the cutoff day's row count is below this share of the trailing average.")
    var minVolumeRatio = 0.5

    @Option(
        name: .customLong("min-landed-share"), parsing: .unconditional,
        help:
            "Block the run unless the cutoff's period has sales rows from at least this share of the series the same period of the four weeks before has on average (contract sales_period_landed; default 0.5)."
    )
    var minLandedShare: Double?

    @Flag(
        name: .customLong("accept-empty-period"),
        help:
            "The cutoff's period is genuinely empty or short (a closure): record sales_period_landed's violation as waived instead of blocking. Kept in the run's config and contract results."
    )
    var acceptEmptyPeriod = false

    @Option(
        help:
            "Extra item/location attributes the xgboost model uses, comma-separated: item.<key>, location.<key> (keys of demand.items/locations.attributes, as valid at the cutoff)."
    )
    var attributes: String?

    var config: RunConfig {
        get throws {
            var config = RunConfig(
                horizon: horizon ?? frequency.defaultHorizon, frequency: frequency,
                model: try ModelSpec(parsing: model ?? "seasonal_naive", seasonLength: season ?? frequency.defaultSeasonLength, window: window),
                intervalLevel: level, chunkSize: OperationOptions.defaultChunkSize, leaseSeconds: OperationOptions.defaultLeaseSeconds,
                heartbeatSeconds: OperationOptions.defaultHeartbeatSeconds, maxAttempts: OperationOptions.defaultMaxAttempts, inputSchema: inputSchema,
                staleSLAHours: staleSLAHours ?? RunConfig.defaultStaleSLAHours(frequency),
                minVolumeRatio: minVolumeRatio)
            config.minLandedShare = minLandedShare
            config.acceptEmptyPeriod = acceptEmptyPeriod ? true : nil
            config.attributes = attributes.map { $0.split(separator: ",").map(String.init) }
            let extra = try QuantileLevels.validated(levels?.values ?? [], main: level)
            config.quantileLevels = extra.isEmpty ? nil : extra
            return config
        }
    }
}
