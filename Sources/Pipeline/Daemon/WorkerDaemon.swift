import Foundation
import Logging
import Metrics
import Postgres

/// `forecastctl worker`: a long-lived worker process. It waits for work in the database (LISTEN
/// forecast_work, with a polling fallback), takes run requests (planning and, for a global
/// model, preparing the run when it is the first), joins every running run that has items left,
/// and on SIGTERM / SIGINT stops claiming, hands back the item it holds and returns. Any number
/// of daemons on any hosts share every run; none is special.
public struct WorkerDaemon: MadeWithServices {
    public struct Options: Sendable {
        public var workers = 2
        /// Poll the database at least this often even without a notification.
        public var pollSeconds = 5.0
        /// The settings of the runs this daemon creates (schema, chunking, leases, timeouts, monitor thresholds).
        public var template = RunConfig()
        public var monitor = MonitorConfig()
        /// The schedule's job kinds this daemon takes (`--jobs`); retention only when asked (the owner's).
        public var jobKinds = JobRequests.Kind.workerRole
        /// Whether `jobKinds` was asked for (`--jobs`): then a kind this login may not do is an
        /// error at start; by default such a kind (monitor, for a login not in forecast_monitor) is
        /// left to the daemons that may.
        public var jobKindsGiven = false
        /// Takes run requests and joins runs (`--no-runs`: a daemon for jobs alone, e.g. the owner's retention).
        public var takesRuns = true
        /// Partitions kept for output rollback by a retention job (`retention --rollback-depth`).
        public var rollbackDepth = 7
        public init() {}
    }

    public struct Tally: Sendable {
        public var requests = 0
        public var joined = 0
        public var jobs = 0
        public init() {}
    }

    public let services: Services
    public init(services: Services) { self.services = services }

    public func run(_ options: Options) throws -> Tally {
        var tally = Tally()
        var listener = try Reconnect.connect(connect, logger: logger)
        defer { listener.close() }
        try Migrator(directory: sql).requireUpToDate(listener)
        try listener.listen("forecast_work")
        var options = options
        if options.jobKinds.contains(.monitor), !(try Monitor.mayRecord(on: listener)) {
            guard !options.jobKindsGiven else {
                throw PipelineError.configuration(
                    "--jobs monitor: this login may not record a monitor pass (alerts, drift, profiles); log in as a member of forecast_monitor")
            }
            options.jobKinds.removeAll { $0 == .monitor }
            logger.notice("this login may not record a monitor pass: monitor jobs are left to a daemon in forecast_monitor")
        }
        let name = WorkerPool.processName
        logger.notice("worker daemon started", metadata: ["worker": "\(name)", "threads": "\(options.workers)"])
        while StopSignal.shared.requested == nil {
            do {
                try RunRequests.reconcile(staleSeconds: max(60, options.template.leaseSeconds * 2), on: listener)
                for abandoned in try BacktestHeartbeat.failAbandoned(on: listener) {
                    logger.warning("backtest abandoned (no heartbeat for two leases): marked failed", metadata: ["backtest": "\(abandoned)"])
                }
                if options.takesRuns, let request = try RunRequests.take(by: name, on: listener) {
                    OpsMetrics.Daemon.requestsTaken.increment()
                    try handle(request, options: options, on: listener)
                    tally.requests += 1
                    continue
                }
                if options.takesRuns, let runID = try RunRequests.joinable(on: listener) {
                    let record = try RunStore.load(runID, on: listener)
                    logger.info("joining run", metadata: ["run": "\(runID)"])
                    _ = try WorkerPool.run(
                        record, count: options.workers, namePrefix: name, logger: logger, connect: connect)
                    tally.joined += 1
                    OpsMetrics.Daemon.runsJoined.increment()
                    continue
                }
                // Runs first; then the schedule's other jobs (evaluate, monitor, retrain).
                for rescued in try JobRequests.rescue(on: listener) {
                    logger.warning("job lost its daemon: retried or failed", metadata: ["job": "\(rescued)"])
                }
                if let job = try JobRequests.take(by: name, kinds: options.jobKinds, on: listener) {
                    try perform(job, worker: name, options: options, on: listener)
                    tally.jobs += 1
                    continue
                }
                // Idle: wake on a notification, or poll.
                let until = Date().addingTimeInterval(options.pollSeconds)
                while Date() < until && StopSignal.shared.requested == nil {
                    if !(try listener.notifications(waitingUpTo: 0.1)).isEmpty { break }
                }
            } catch PipelineError.interrupted {
                break
            } catch let error as PostgresError where error.kind == .connection {
                logger.warning("connection lost; reconnecting", metadata: ["error": "\(error)"])
                listener.close()
                listener = try Reconnect.connect(connect, logger: logger)
                try listener.listen("forecast_work")
            } catch {
                // A run that failed (bad input, a blocking contract) is recorded on the run and its
                // request; the daemon goes on with other work after a pause.
                logger.error("work failed", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 1)
            }
        }
        logger.notice("worker daemon stopping", metadata: ["worker": "\(name)", "signal": "\(StopSignal.shared.requested ?? 0)"])
        return tally
    }

    /// Works one job and records its outcome; a failure is the job's (retried with backoff), not the daemon's.
    func perform(_ job: JobRequests.Job, worker: String, options: Options, on connection: Connection) throws {
        logger.notice(
            "job taken", metadata: ["job": "\(job.id)", "kind": "\(job.kind.rawValue)", "frequency": "\(job.frequency.rawValue)", "attempt": "\(job.attempt)"])
        do {
            let result: String
            switch job.kind {
            case .evaluate:
                let pass = try Evaluator.evaluate(inputSchema: options.template.inputSchema, on: connection)
                result = "evaluation \(pass.id): \(pass.evaluated) forecasts evaluated, \(pass.restated) restated actuals followed"
            case .monitor:
                // Every run published since the last pass, oldest first (their profiles are the
                // next one's drift reference); else the newest again.
                let owed = try Monitor.unprofiledRuns(frequency: job.frequency, on: connection)
                var passes: [String] = []
                for runID in owed.isEmpty ? [nil] : owed.map(Optional.some) {
                    let report = try Monitor(config: options.monitor).run(runID: runID, frequency: job.frequency, on: connection)
                    passes.append(
                        "run \(report.runID): \(report.drift.count) PSI values; alerts \(report.alerts.opened.count) opened, "
                            + "\(report.alerts.updated.count) still open, \(report.alerts.resolved.count) resolved")
                }
                result = passes.joined(separator: "; ")
            case .retrain:
                let trainer = ModelTrainer(services: services)
                var outcomes: [String] = []
                while let outcome = try RetrainRequests.work(trainer: trainer, on: connection) {
                    outcomes.append(
                        "request \(outcome.requestID): "
                            + (outcome.version.map { "candidate \($0.version)\(outcome.shadow ? ", now shadow" : "")" } ?? "failed: \(outcome.error ?? "?")"))
                }
                result = outcomes.isEmpty ? "no open retrain requests" : outcomes.joined(separator: "; ")
            case .retention:
                _ = try Retention.failAbandonedBacktests(on: connection)
                let plan = try Retention.plan(rollbackDepth: options.rollbackDepth, today: nil, on: connection)
                let dropped = try Retention.apply(plan.filter { !$0.keep }, rollbackDepth: options.rollbackDepth, today: nil, on: connection)
                let bytes = dropped.reduce(Int64(0)) { $0 + $1.bytes }
                result = "\(plan.filter(\.keep).count) kept, \(dropped.count) dropped (\(String(format: "%.1f", Double(bytes) / 1_048_576)) MB)"
            }
            try JobRequests.finish(job, worker: worker, result: result, error: nil, on: connection)
            logger.notice("job completed", metadata: ["job": "\(job.id)", "result": "\(result)"])
        } catch let error as PostgresError where error.kind == .connection {
            throw error  // the lock went with the connection: another daemon's rescue retries the job
        } catch {
            try JobRequests.finish(job, worker: worker, result: nil, error: "\(error)", on: connection)
            logger.error("job failed", metadata: ["job": "\(job.id)", "attempt": "\(job.attempt)", "error": "\(error)"])
            if case PipelineError.interrupted = error { throw error }
        }
    }

    func handle(_ request: RunRequests.Request, options: Options, on connection: Connection) throws {
        logger.notice("run requested", metadata: ["request": "\(request.id)", "cutoff": "\(request.cutoff)", "frequency": "\(request.frequency.rawValue)"])
        // Held since `take`: until the run and its monitor pass are done, no other daemon settles it.
        defer { try? RunRequests.unlock(request.id, on: connection) }
        var config = options.template
        config.frequency = request.frequency
        config.horizon = request.horizon ?? config.horizon
        config.staleSLAHours = RunConfig.defaultStaleSLAHours(request.frequency)
        // What serves when the registry has no version for the cutoff (`Serving.bootstrap`).
        config.model = ModelSpec(kind: .seasonalNaive, seasonLength: request.frequency.defaultSeasonLength, window: 28)
        var run = RunCoordinator.Options(
            cutoff: request.cutoff, config: config, workers: options.workers, showProgress: false)
        run.serveRegistry = true
        run.explicitHorizon = request.horizon
        run.requestID = request.id
        run.monitor = options.monitor
        do {
            let summary = try RunCoordinator(services: services).run(run)
            try RunRequests.finish(request.id, runID: summary.runID, error: nil, on: connection)
            logger.notice("run published", metadata: ["request": "\(request.id)", "run": "\(summary.runID)", "rows": "\(summary.rows)"])
        } catch PipelineError.interrupted(let signal, let runID) {
            // Stopped: the run (if created) goes on with other daemons; the request is theirs.
            if runID == nil { try? RunRequests.release(request.id, on: connection) }
            throw PipelineError.interrupted(signal: signal, runID: runID)
        } catch let error as PipelineError {
            switch error {
            case .runInFlight, .cutoffLocked:
                // Another configuration holds the cutoff for now: try again later.
                try? RunRequests.release(request.id, on: connection)
            default:
                try? RunRequests.finish(request.id, runID: nil, error: error.description, on: connection)
            }
            throw error
        }
    }
}
