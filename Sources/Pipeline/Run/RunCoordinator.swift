import Foundation
import Logging
import Postgres

/// `forecastctl run`: create (or join) the run for a cutoff, check the data contracts, plan the
/// work, run the local worker pool, and publish.
public struct RunCoordinator: MadeWithServices {
    public struct Options: Sendable {
        public var cutoff: PostgresDate
        public var asOf: PostgresTimestamp?
        public var config: RunConfig
        public var workers: Int
        public var force: Bool
        public var showProgress: Bool
        /// Use conformal intervals from the newest matching backtest when one exists.
        public var conformal = true
        /// No `--model`: serve the registry's production version (and write its shadow's forecasts).
        public var serveRegistry = false
        /// `--horizon` as given (nil: the served version's own horizon).
        public var explicitHorizon: Int?
        /// The `forecast.run_requests` row this run answers (a daemon's): linked to the run once it exists.
        public var requestID: Int64?
        /// Thresholds of the monitor pass at the end of a nightly run.
        public var monitor = MonitorConfig()

        public init(
            cutoff: PostgresDate, asOf: PostgresTimestamp? = nil, config: RunConfig, workers: Int = 2,
            force: Bool = false, showProgress: Bool = true
        ) {
            self.cutoff = cutoff
            self.asOf = asOf
            self.config = config
            self.workers = workers
            self.force = force
            self.showProgress = showProgress
        }
    }

    public struct Summary: Sendable {
        public enum Outcome: Sendable, Equatable { case published, alreadyPublished, failed }
        public var outcome: Outcome
        public var runID: Int64
        public var joined = false
        public var seriesCount = 0
        public var rows = 0
        public var workItems = 0
        public var warnings: [ContractOutcome] = []
        public var seconds = 0.0
        public var error: String?
        public var calibrationBacktestID: Int64?
        /// Series served by the naive fallback because their own model failed.
        public var fallbackSeries = 0
        /// The model version on the rows, and the shadow version the run also wrote.
        public var modelVersion = ""
        public var shadowVersion: String?
        /// How the served version was chosen (bootstrap, fallback after a refused artifact, shadow skipped).
        public var servingNotes: [String] = []
        /// Why the bootstrap seasonal naive served (a run serving the registry); nil otherwise.
        public var bootstrap: RegistryServing.Bootstrap?
        public var horizon = 0
        /// The monitor pass at the end of a nightly run (nil: not run, queued, or it failed).
        public var monitor: Monitor.Report?
        /// The monitor job queued instead, when this login may not record a pass (not in
        /// forecast_monitor): a daemon of that role takes it.
        public var monitorJob: Int64?
    }

    public let services: Services
    public init(services: Services) { self.services = services }

    public func run(_ options: Options) throws -> Summary {
        let started = Date()
        try options.config.validate()
        guard options.workers >= 1 else { throw PipelineError.invalidSetting(.workers, "must be at least 1, got \(options.workers)") }
        try options.config.frequency.validateCutoff(options.cutoff)
        let connection = try connect()
        defer { connection.close() }
        try Migrator(directory: sql).requireUpToDate(connection)
        let contracts = try Contract.loadAll(from: sql)
        let asOf = try RunStore.asOf(options.asOf, on: connection)
        try ContractCheck.validate(cutoff: options.cutoff, asOf: asOf, asOfGiven: options.asOf != nil, config: options.config)

        // What the run serves, its selection and calibration: resolved once, before its row is written.
        let resolution = try RunResolution.resolve(options, logger: logger, on: connection)
        var options = options
        options.config = resolution.config
        let runID: Int64
        var summary: Summary
        switch try RunStore.createOrJoin(cutoff: options.cutoff, asOf: asOf, config: options.config, force: options.force, on: connection) {
        case .alreadyPublished(let id):
            var summary = Summary(outcome: .alreadyPublished, runID: id)
            summary.modelVersion = try options.config.modelVersion()
            return summary
        case .joined(let id):
            runID = id
            if let request = options.requestID { try RunRequests.link(request, runID: id, on: connection) }
            summary = Summary(outcome: .failed, runID: id, joined: true)
            logger.info("a run for this cutoff is already in flight; joining it", metadata: ["run": "\(id)"])
        case .created(let id):
            runID = id
            if let request = options.requestID { try RunRequests.link(request, runID: id, on: connection) }
            let cpu0 = CPUTime.thread()
            defer { try? RunStore.recordCPU(id, seconds: CPUTime.thread() - cpu0, on: connection) }
            summary = Summary(outcome: .failed, runID: id)
            defer { RunStore.releasePlannerLock(id, on: connection) }
            try RunStore.recordServing(id, resolution, on: connection)
            let run = RunContext(id: id, cutoff: options.cutoff, asOf: asOf, config: options.config)
            summary.warnings = try checkContractsAndPlan(run, contracts: contracts, workers: options.workers, main: connection)
            if options.config.trainsGlobalModelInRun {
                // Train the run's global model once (and prepare a stored shadow version); workers
                // wait (run still queued) until it is done. Stored versions alone were prepared while planning.
                let t0 = Date()
                do {
                    let say = ProgressReporter.lines(prefix: "run \(id): global model: ", when: options.showProgress)
                    let artifacts = try GlobalTraining.trainAndStore(run, progress: say, on: connection)
                    logger.info("trained global models", metadata: ["run": "\(id)", "artifacts": "\(artifacts)"])
                    try RegistryServing.prepare(run, on: connection)
                } catch {
                    try? RunLifecycle.fail(id, error: "preparing the global model failed: \(error)", on: connection)
                    throw error
                }
                try RunStore.recordTiming(id, "train_s", seconds: Date().timeIntervalSince(t0), on: connection)
                try RunLifecycle.startAfterTraining(id, on: connection)
            }
        }

        let record = try RunStore.load(runID, on: connection)
        let t1 = Date()
        var progress: ProgressReporter?
        if options.showProgress, let series = record.seriesCount {
            progress = ProgressReporter(runID: runID, totalSeries: series, connect: connect)
            progress?.start()
        }
        let status: RunRecord.Status
        do {
            status = try WorkerPool.run(
                record, count: options.workers, namePrefix: WorkerPool.processName, logger: logger, connect: connect)
        } catch {
            progress?.stop()
            throw error
        }
        progress?.stop()
        // The coordinator's connection sat idle while the workers ran; a server restart or an
        // administrator may have ended it although the run went on and published. Read the
        // outcome over a fresh connection (retried like the workers' reconnects).
        let after = try Reconnect.connect(connect, logger: logger)
        defer { after.close() }
        if !summary.joined {
            try? RunStore.recordTiming(runID, "work_s", seconds: Date().timeIntervalSince(t1), on: after)
        }
        let final = try RunStore.load(runID, on: after)
        let totals = try after.query(
            Query(
                """
                SELECT coalesce(series_count, 0) AS series, coalesce(row_count, 0) AS rows, coalesce(work_item_count, 0) AS items,
                       coalesce(fallback_series, 0) AS fallbacks
                FROM forecast.runs WHERE id = \(runID)
                """
            ).named("run_totals")
        ).first!
        summary.fallbackSeries = try totals.decode("fallbacks")
        summary.seriesCount = try totals.decode("series")
        summary.rows = try totals.decode("rows")
        summary.workItems = try totals.decode("items")
        summary.seconds = Date().timeIntervalSince(started)
        summary.calibrationBacktestID = record.config.calibrationBacktestID
        summary.modelVersion = record.modelVersion
        summary.shadowVersion = record.config.shadow?.version.version
        summary.servingNotes = summary.joined ? [] : resolution.notes
        if !summary.joined, case .bootstrap(let reason) = resolution.serving { summary.bootstrap = reason }
        summary.horizon = record.config.horizon
        switch status {
        case .published, .superseded:
            summary.outcome = .published
            if !summary.joined {
                // Readers by location, before the monitor pass: a failure is logged, never the run's.
                let t = Date()
                do {
                    if try RunStore.indexPublished(runID, on: after) {
                        try RunStore.recordTiming(runID, "index_s", seconds: Date().timeIntervalSince(t), on: after)
                    }
                } catch {
                    logger.warning("indexing the published run by location failed", metadata: ["run": "\(runID)", "error": "\(error)"])
                }
                try? RunStore.recordBytes(runID, on: after)
                logger.info("run published", metadata: ProcessMemory.adding(to: ["run": "\(runID)"]))
            }
            // Nightly runs (serving the registry) end with a monitor pass; it never fails a published run.
            if resolution.serving.isRegistry && !summary.joined {
                do {
                    if try Monitor.mayRecord(on: after) {
                        summary.monitor = try Monitor(config: options.monitor).run(runID: runID, on: after)
                        logger.info("monitor pass done", metadata: ProcessMemory.adding(to: ["run": "\(runID)"]))
                    } else {
                        let job = try JobRequests.enqueue(.monitor, frequency: options.config.frequency, on: after)
                        summary.monitorJob = job
                        logger.info("monitor pass queued for forecast_monitor", metadata: ["run": "\(runID)", "job": "\(job)"])
                    }
                } catch {
                    logger.warning(
                        "the monitor pass after the run failed; run `forecastctl monitor --run \(runID)`",
                        metadata: ["error": "\(error)"])
                }
            }
        default:
            summary.outcome = .failed
            summary.error = final.error
            throw PipelineError.runFailed(runID: runID, reason: final.error ?? "unknown")
        }
        return summary
    }

    /// Runs the data contracts over two connections while a third plans the run (series list,
    /// manifest, work items) in an open transaction, then prepares the stored global model versions
    /// the run serves (competing prices at the cutoff) in the same transaction. The plan commits only
    /// if no contract blocks; otherwise it rolls back and the run is marked failed. Nothing is
    /// written to forecasts here.
    func checkContractsAndPlan(_ run: RunContext, contracts: [Contract], workers: Int, main: Connection) throws -> [ContractOutcome] {
        let t0 = Date()
        let (runID, config) = (run.id, run.config)
        let parameters = ContractParameters(cutoff: run.cutoff, asOf: run.asOf, config: config)
        let plannerConnection = try connect()
        defer { plannerConnection.close() }
        try plannerConnection.begin()
        let logger = self.logger
        // Preparing stored versions needs only the planned series: done here, beside the contracts.
        let prepares = config.needsGlobalStep && !config.trainsGlobalModelInRun
        let planning = BackgroundTask(name: "planner") { () throws -> (plan: RunPlanner.Plan, seconds: Double, preparing: Double?) in
            let started = Date()
            let plan = try RunPlanner.planUncommitted(run, startRunning: !config.needsGlobalStep || prepares, in: plannerConnection)
            let planned = Date()
            guard prepares else { return (plan, planned.timeIntervalSince(started), nil) }
            do {
                try RegistryServing.prepare(run, on: plannerConnection)
            } catch {
                throw PreparingFailed(underlying: error)
            }
            return (plan, planned.timeIntervalSince(started), Date().timeIntervalSince(planned))
        }
        var extra: [Connection] = []
        defer { extra.forEach { $0.close() } }
        var outcomes: [ContractOutcome] = []
        var contractError: Error?
        do {
            if workers > 1 { extra.append(try connect()) }
            let runner = ContractRunner(contracts: contracts)
            outcomes = try runner.evaluateAll(parameters: parameters, connections: [main] + extra)
            try runner.record(outcomes, runID: runID, on: main)
        } catch {
            contractError = error
        }
        let contractSeconds = Date().timeIntervalSince(t0)
        let planned = Result { try planning.value() }
        let blocked = outcomes.contains(where: \.blocks)
        if contractError != nil || blocked {
            _ = try? plannerConnection.rollback()
        } else if case .failure = planned {
            _ = try? plannerConnection.rollback()
        } else {
            try plannerConnection.commit()
        }
        if let contractError {
            try? RunLifecycle.fail(runID, error: "data contracts could not run: \(contractError)", on: main)
            throw contractError
        }
        try RunStore.recordTiming(runID, "contracts_s", seconds: contractSeconds, on: main)
        if blocked {
            let error = PipelineError.contractsBlocked(outcomes)
            try RunLifecycle.fail(runID, error: error.description, on: main)
            throw error
        }
        switch planned {
        case .failure(let error as PreparingFailed):
            try? RunLifecycle.fail(runID, error: "preparing the global model failed: \(error.underlying)", on: main)
            throw error.underlying  // its own type decides the exit code
        case .failure(let error):
            try? RunLifecycle.fail(runID, error: "\(error)", on: main)
            throw error
        case .success(let (plan, seconds, preparing)):
            try RunStore.recordTiming(runID, "plan_s", seconds: seconds, on: main)
            if let preparing { try RunStore.recordTiming(runID, "prepare_s", seconds: preparing, on: main) }
            logger.info(
                "planned run",
                metadata: ProcessMemory.adding(to: [
                    "run": "\(runID)", "series": "\(plan.seriesCount)",
                    "items": "\(plan.workItemCount)",
                ]))
        }
        return outcomes.filter { !$0.passed }
    }
}

/// The planner's preparing of a stored version failed: the run fails with this said, and the
/// underlying error is rethrown as it is.
private struct PreparingFailed: Error {
    let underlying: Error
}
