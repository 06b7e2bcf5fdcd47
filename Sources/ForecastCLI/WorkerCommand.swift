import ArgumentParser
import Foundation
import Pipeline

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run as a worker daemon until stopped: take scheduled runs and join runs in flight.",
        discussion: HelpText.paragraphs(
            """
            Waits for work in the database (LISTEN forecast_work, polling every --poll-seconds as a fallback).
            A run request (SELECT forecast.enqueue_run('2026-11-28'), e.g. from pg_cron) is taken by one daemon,
            which runs it like `forecastctl run --cutoff ...` without --model (the production model version,
            contracts, planning, publish, monitor pass); every daemon joins running runs that have work items
            left. SIGTERM or SIGINT (swift-service-lifecycle graceful shutdown): stop claiming, hand back the item in
            hand, stop the HTTP server, exit 0. SIGQUIT, or a shutdown still going after 5 minutes, exits at once
            (143). Run as many as you like, on any hosts.

            The schedule's other jobs (SELECT forecast.enqueue_job('evaluate'), 'monitor', 'retrain', 'retention') are
            taken when no run needs the daemon; --jobs says which kinds. Retention drops partitions and needs the schema
            owner, so only a daemon logged in as the owner and started with --jobs retention takes it. A monitor pass is
            recorded only by a login in forecast_monitor: other daemons leave monitor jobs, and queue their own runs'
            passes as jobs.

            Examples:
              forecastctl worker --workers 2 --http-port 9471
              forecastctl worker --poll-seconds 5 --monitor-thresholds ops/monitoring.json
              # as the schema owner, for retention jobs alone:
              forecastctl worker --jobs retention --no-runs
              # as a login in forecast_monitor, for monitor passes and evaluations:
              forecastctl worker --workers 1 --jobs evaluate,monitor --no-runs
            """))

    @OptionGroup var global: GlobalOptions

    @Option(parsing: .unconditional, help: "Worker threads, each with its own connection.")
    var workers = 2

    @Option(name: .customLong("poll-seconds"), parsing: .unconditional, help: "Look for work at least this often without a notification.")
    var pollSeconds = 5.0

    /// The operating settings of the runs this daemon plans (chunking, leases, attempts, statement
    /// timeouts), as on `run`.
    @OptionGroup var operations: OperationOptions

    @Option(name: .customLong("input-schema"), help: "Schema holding the input contract tables.")
    var inputSchema = "demand"

    @Option(
        name: .customLong("monitor-thresholds"),
        help: "Thresholds of the monitor passes this daemon records: its runs' and its monitor jobs' (JSON like ops/monitoring.json).")
    var monitorThresholds: String?

    @Option(name: .customLong("http-port"), parsing: .unconditional, help: "Serve /metrics (Prometheus), /healthz and /readyz on this port (default: none).")
    var httpPort: Int?

    @Option(name: .customLong("http-address"), help: "Address for --http-port.")
    var httpAddress = "127.0.0.1"

    @Option(
        name: .customLong("http-idle-seconds"), parsing: .unconditional,
        help: "Close an HTTP connection idle (or sending its request) this long; at most \(HealthServer.maxConnections) are open at once.")
    var httpIdleSeconds = 10.0

    @Option(
        help: """
            The schedule's job kinds this daemon takes, comma-separated: evaluate, monitor (a login in forecast_monitor), \
            retrain, retention (the owner's). Default: evaluate, retrain, and monitor when this login may record it.
            """)
    var jobs: String?

    @Flag(name: .customLong("no-runs"), help: "Take no run requests and join no runs: a daemon for jobs alone.")
    var noRuns = false

    @Option(name: .customLong("rollback-depth"), parsing: .unconditional, help: "Published cutoffs per frequency a retention job keeps for output rollback.")
    var rollbackDepth = 7

    func run() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
        guard pollSeconds > 0 && pollSeconds <= 3600 else { throw ValidationError("--poll-seconds must be between 0 and 3600, got \(pollSeconds)") }
        var options = WorkerDaemon.Options()
        options.workers = workers
        options.pollSeconds = pollSeconds
        options.template = RunConfig(inputSchema: inputSchema)
        try operations.apply(to: &options.template)
        try options.template.validate()
        if let jobs {
            options.jobKinds = try jobs.split(separator: ",").filter { !$0.isEmpty }.map { word in
                guard let kind = JobRequests.Kind(rawValue: String(word).trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--jobs: '\(word)' is not a job kind (evaluate, monitor, retrain, retention)")
                }
                return kind
            }
            options.jobKindsGiven = true
        }
        options.takesRuns = !noRuns
        guard rollbackDepth >= 1 && rollbackDepth <= 10_000 else { throw ValidationError("--rollback-depth must be between 1 and 10000") }
        options.rollbackDepth = rollbackDepth
        if let monitorThresholds { options.monitor = try MonitorConfig.load(monitorThresholds) }
        var logger = global.logger("forecastctl.worker")
        logger.logLevel = global.verbose ? .info : .notice
        OpsMetrics.bootstrap()
        var health: DaemonServices.Health?
        if let httpPort {
            guard (1...65535).contains(httpPort) else { throw ValidationError("--http-port must be between 1 and 65535, got \(httpPort)") }
            guard httpIdleSeconds.isFinite && httpIdleSeconds > 0 && httpIdleSeconds <= 3600 else {
                throw ValidationError("--http-idle-seconds must be between 0 and 3600, got \(httpIdleSeconds)")
            }
            let server = try HealthServer(
                address: httpAddress, port: httpPort, idleSeconds: httpIdleSeconds, sql: try global.sqlDirectory(),
                logger: logger, connect: global.connector())
            health = DaemonServices.Health(server)
            logger.notice("serving /metrics, /healthz and /readyz", metadata: ["address": "\(httpAddress):\(httpPort)"])
        }
        // swift-service-lifecycle: SIGTERM/SIGINT shut the daemon down gracefully, a second one exits at once.
        let daemon = DaemonServices.Daemon(
            WorkerDaemon(sql: try global.sqlDirectory(), logger: logger, connect: global.connector()),
            options: options)
        try DaemonServices.run(daemon: daemon, health: health, logger: logger)
        let tally = daemon.result ?? WorkerDaemon.Tally()
        print("worker: stopped after \(tally.requests) requested run\(tally.requests == 1 ? "" : "s") and \(tally.joined) joined")
    }
}
