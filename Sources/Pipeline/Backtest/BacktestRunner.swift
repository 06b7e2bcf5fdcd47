import Forecasting
import Foundation
import GradientBoosting
import Logging
import Postgres

/// `forecastctl backtest`: rolling-origin evaluation straight from the database.
///
/// Each series is read once (sales dated up to the end date and loaded by the as-of time, plus
/// stockout days); every fold then trains on the periods dated on or before its own cutoff only
/// (`BacktestPlan.trainingRange`), with stockout periods imputed, and is scored on the periods
/// after the gap, stockout periods masked. Results go to `forecast.backtest_results`; the
/// accuracy summary to `forecast.backtests.summary`.
public struct BacktestRunner: MadeWithServices {
    public let services: Services
    public init(services: Services) { self.services = services }

    public func run(_ options: BacktestOptions) throws -> BacktestReport {
        let started = Date()
        guard options.workers >= 1 else { throw PipelineError.invalidSetting(.workers, "must be at least 1, got \(options.workers)") }
        guard options.intervalLevel > 0 && options.intervalLevel < 1 else {
            throw PipelineError.invalidSetting(.level, "must be between 0 and 1, got \(options.intervalLevel)")
        }
        try SeriesAttributes.validate(options.attributes)
        let connection = try connect()
        defer { connection.close() }
        try Migrator(directory: sql).requireUpToDate(connection)
        let schema = SQLIdentifier(options.inputSchema)
        let asOf = try RunStore.asOf(options.asOf, on: connection)
        guard
            let newest = try connection.query(
                Query(
                    """
                    SELECT max(ds) AS d FROM \(ident: schema).sales WHERE loaded_at <= \(asOf)
                    """
                ).named("backtest_end")
            ).first?.decodeIfPresent("d", as: PostgresDate.self)
        else {
            throw PipelineError.noSeries(cutoff: asOf.date)
        }
        let frequency = options.frequency
        let end = options.end ?? newest
        try frequency.validateCutoff(end, subject: "weekly backtests need an end date")
        // A backtest scores actuals: an end past the newest period with sales would score empty
        // periods as zeros (and say nothing about accuracy).
        let newestPeriodEnd = frequency.lastDay(ofStep: 0, after: newest)
        guard end <= newestPeriodEnd else {
            throw PipelineError.invalidSetting(
                .cutoff,
                "\(end) is after the newest sales (\(newest), loaded by \(asOf)): a backtest scores actuals; use \(newestPeriodEnd) or earlier")
        }
        let plan = options.plan
        // Cutoffs close periods: the end of the period `reach` periods before the end's.
        let newestCutoff = frequency.lastDay(ofStep: -plan.reach, after: end)
        let cutoffs = plan.foldOffsets.map { frequency.lastDay(ofStep: $0.cutoffOffset, after: newestCutoff) }
        let metric = options.selectionMetric.score
        let specs = options.modelsWithBaseline()
        // Per-series models first; the models that read prices and promotions (global or not) last.
        let orderedSpecs = specs.filter { !$0.usesPlannedInputs } + specs.filter(\.usesPlannedInputs)
        let modelNames = try orderedSpecs.map { try $0.primaryName() }
        let models = try orderedSpecs.filter { !$0.usesPlannedInputs }.map(ServedModel.init)
        let configJSON = String(decoding: try JSONEncoder.sorted.encode(specs), as: UTF8.self)
        let windowLength: Int? = {
            if case .sliding(let n) = plan.window { return n }
            return nil
        }()

        guard (0...3660).contains(options.refitDays) else {
            throw PipelineError.invalidSetting(.refitDays, "must be between 0 (every fold) and 3660, got \(options.refitDays)")
        }
        guard options.leaseSeconds.isFinite && options.leaseSeconds > 0 else {
            throw PipelineError.invalidSetting(.backtestLease, "must be a positive number of seconds, got \(options.leaseSeconds)")
        }
        // Backtests whose process died (killed `train` or `backtest`) end as failed first.
        for abandoned in try BacktestHeartbeat.failAbandoned(on: connection) {
            logger.warning("backtest \(abandoned) was abandoned (no heartbeat for two leases): marked failed")
        }
        let id = try connection.query(
            Query(
                """
                INSERT INTO forecast.backtests (as_of, frequency, end_date, cutoffs, horizon, gap, step, window_length, models,
                                                interval_level, config, code_version, structure_selection, lease_seconds,
                                                global_refit_days)
                VALUES (\(asOf), \(frequency.rawValue), \(end), \(cutoffs.map(\.description))::date[],
                        \(plan.horizon), \(plan.gap), \(plan.step), \(windowLength), \(modelNames.map(\.text))::text[],
                        \(options.intervalLevel), \(configJSON)::jsonb, \(CodeVersion.current), \(options.structureSelection.rawValue),
                        \(options.leaseSeconds), \(options.refitDays))
                RETURNING id
                """
            ).named("create_backtest")
        ).first!.decode("id", as: Int64.self)
        let heartbeat = BacktestHeartbeat(backtestID: id, leaseSeconds: options.leaseSeconds, logger: logger, connect: connect)
        defer { heartbeat.stop() }
        do {
            let warnings = try checkContracts(backtestID: id, cutoff: newestCutoff, asOf: asOf, options: options, schema: schema, on: connection)
            var report = try evaluate(
                id: id, end: end, asOf: asOf, newestCutoff: newestCutoff, cutoffs: cutoffs,
                models: models, modelNames: modelNames, options: options, schema: schema,
                heartbeat: heartbeat, on: connection)
            report.warnings = warnings
            report.seconds = Date().timeIntervalSince(started)
            let perFold = BacktestReport.minimumClassSeries * plan.horizon
            report.selection = report.selection(
                metric, minimumClassPoints: perFold * plan.folds,
                thin: (
                    BacktestReport.minimumOverallPoints(horizon: plan.horizon),
                    BacktestReport.thinEvidenceDefault(orderedSpecs)
                ))
            for (segment, model) in report.selection.sorted(by: { $0.key < $1.key }) {
                guard let index = modelNames.firstIndex(of: model) else { continue }
                let spec = String(decoding: try JSONEncoder.sorted.encode(orderedSpecs[index]), as: UTF8.self)
                let key: (BacktestReport.Group, String) = segment == .all ? (.all, "all") : (.demandClass, segment.rawValue)
                let value = report.groups[BacktestReport.Key(model: model, kind: key.0, value: key.1)].map(metric)
                let base = report.groups[BacktestReport.Key(model: modelNames[0], kind: key.0, value: key.1)].map(metric)
                try connection.execute(
                    Query(
                        """
                        INSERT INTO forecast.model_selections (backtest_id, segment, model_name, model_spec, metric, metric_value, baseline_value)
                        VALUES (\(id), \(segment.rawValue), \(model), \(spec)::jsonb, \(options.selectionMetric.rawValue),
                                \(value.flatMap { $0.isFinite ? $0 : nil }), \(base.flatMap { $0.isFinite ? $0 : nil }))
                        """
                    ).named("store_selection"))
            }
            // Only a backtest still running finishes: one cancelled (`cancel --backtest`) or failed
            // as abandoned meanwhile stays failed, and says why.
            let finished = try connection.execute(
                Query(
                    """
                    UPDATE forecast.backtests SET status = 'finished', finished_at = clock_timestamp(),
                        series_count = \(report.seriesCount), row_count = \(report.rows), summary = \(try report.summaryJSON())::jsonb
                    WHERE id = \(id) AND status = 'running'
                    """
                ).named("finish_backtest"))
            guard finished == 1 else {
                throw try Self.ended(id, on: connection)
            }
            return report
        } catch {
            _ = try? connection.execute(
                Query(
                    """
                    UPDATE forecast.backtests SET status = 'failed', finished_at = clock_timestamp(), error = \("\(error)")
                    WHERE id = \(id) AND status = 'running'
                    """
                ).named("fail_backtest"))
            throw error
        }
    }

    /// The error for a backtest failed while it ran (cancelled, or abandoned): why, from its row.
    static func ended(_ id: Int64, on connection: Connection) throws -> PipelineError {
        let reason =
            try connection.query(
                Query("SELECT coalesce(error, status) AS e FROM forecast.backtests WHERE id = \(id)")
                    .named("backtest_end_reason")
            ).first?.decode("e", as: String.self) ?? "deleted"
        return .backtestEnded(id: id, reason: reason)
    }
}
