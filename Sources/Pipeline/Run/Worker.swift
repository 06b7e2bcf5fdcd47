import Forecasting
import Foundation
import Logging
import Postgres

/// One worker: its own connection, claiming work items of one run until the run is finished,
/// then trying to publish it. Runs on its own thread (libpq calls block).
public final class Worker: @unchecked Sendable {
    public let name: String
    let connect: @Sendable () throws -> Connection
    var connection: Connection
    let run: RunRecord
    let queue: WorkQueue
    /// Reads the items' series (with the planned inputs the run's global models use).
    let reader: SeriesReader
    let forecaster: ChunkForecaster
    /// Forecasters whose rows go to `forecast.side_forecast_paths` (one per series; read per period
    /// in `forecast.side_forecasts`): the shadow version's, and the seasonal-naive baseline's for
    /// evaluation (runs serving a registry version).
    let sideForecasters: [ChunkForecaster]
    let logger: Logger

    struct LeaseLost: Error {}
    struct Stopping: Error {}

    /// Throws `Stopping` once SIGTERM/SIGINT asked the process to stop.
    func checkStop() throws { if StopSignal.shared.requested != nil { throw Stopping() } }

    public init(
        name: String, run: RunRecord, logger: Logger,
        connect: @escaping @Sendable () throws -> Connection
    ) throws {
        self.name = name
        self.connect = connect
        self.connection = try connect()
        self.run = run
        self.logger = logger
        queue = WorkQueue(runID: run.id, leaseSeconds: run.config.leaseSeconds, workerName: name)
        var reader = SeriesReader(
            runID: run.id, cutoff: run.cutoff, asOf: run.asOf, frequency: run.config.frequency,
            schema: run.config.schema)
        reader.plannedInputs = run.config.readsPlannedInputs
        forecaster = try Self.forecaster(run.config, modelVersion: run.modelVersion, run: run, reader: reader, on: connection)
        var side: [ChunkForecaster] = []
        if let shadow = run.config.shadowConfig {
            var f = try Self.forecaster(shadow, modelVersion: try shadow.modelVersion(), run: run, reader: reader, on: connection)
            f.role = "shadow"
            side.append(f)
        }
        if let baseline = run.config.baselineConfig {
            var f = try Self.forecaster(baseline, modelVersion: try baseline.modelVersion(), run: run, reader: reader, on: connection)
            f.role = "baseline"
            side.append(f)
        }
        sideForecasters = side
        // One origin (the cutoff): only the promotions its features can see, over the longest
        // horizon any of the run's global models predicts. A price regression fits on the whole
        // promotion history: then every promotion is read.
        if reader.plannedInputs && !run.config.readsPlannedHistory {
            let horizons = ([forecaster] + side).flatMap { f in [f.config.horizon] + f.globals.values.map(\.encodings.horizon) }
            reader.promotionDays = reader.promotionDays(horizon: horizons.max() ?? run.config.horizon)
        }
        self.reader = reader
    }

    /// The forecaster of the run's served configuration, or of its shadow version.
    static func forecaster(
        _ config: RunConfig, modelVersion: String, run: RunRecord, reader: SeriesReader,
        on connection: Connection
    ) throws -> ChunkForecaster {
        var calibrations: [ModelName: ConformalCalibration] = [:]
        var quantiles: [Double: [ModelName: ConformalCalibration]] = [:]
        if let backtest = config.calibrationBacktestID {
            calibrations = try Calibrations.load(backtestID: backtest, level: config.intervalLevel, on: connection)
            for level in config.quantileLevels ?? [] {
                quantiles[level] = try Calibrations.load(backtestID: backtest, level: level, on: connection)
            }
        }
        var f = ChunkForecaster(
            runID: run.id, cutoff: run.cutoff, generatedAt: run.startedAt ?? run.asOf,
            modelVersion: modelVersion, config: config, chooser: try ModelChooser.from(config),
            reader: reader, calibrations: calibrations)
        f.quantileCalibrations = quantiles
        if config.usesGlobalModel {
            f.globals = try GlobalTraining.loadAll(runID: run.id, config: config, on: connection)
        }
        return f
    }

    /// Works until the run is published or failed; returns its final status. A lost connection
    /// (a server restart, a dropped network) is reopened with backoff and the loop goes on: the
    /// item in hand, if any, is claimed again once its lease expires.
    public func runUntilDone() throws -> RunRecord.Status {
        var idle = 0.1
        while true {
            if let signal = StopSignal.shared.requested { throw PipelineError.interrupted(signal: signal, runID: run.id) }
            do {
                if let final = try pass(idle: &idle) { return final }
            } catch let error as PostgresError where error.kind == .connection {
                logger.warning("connection lost; reconnecting", metadata: ["run": "\(run.id)", "error": "\(error)"])
                connection.close()
                connection = try Reconnect.connect(connect, logger: logger)
            }
        }
    }

    /// One round: the run's status, then a claim (and its work) or, when nothing is left to
    /// claim, an attempt to finalize. Returns the final status once the run has ended.
    private func pass(idle: inout Double) throws -> RunRecord.Status? {
        let status = try RunStore.status(run.id, on: connection)
        switch status {
        case .published, .failed, .superseded: return status
        case .queued:
            // Planning or training; a run whose planner is gone never starts: fail it, not wait forever.
            if try RunLifecycle.failIfPlannerGone(run.id, on: connection) { return .failed }
            Thread.sleep(forTimeInterval: 0.25)
            return nil
        case .running: break
        }
        try connection.prepare(for: .claim, run.config.timeouts)
        try queue.failExhausted(on: connection)
        if let claim = try queue.claim(on: connection) {
            idle = 0.1
            try process(claim)
            return nil
        }
        let counts = try queue.counts(on: connection)
        if counts.failed > 0 || counts.isFinished {
            try connection.prepare(for: .publish, run.config.timeouts)
            let final = try Publisher.finalize(runID: run.id, on: connection)
            if final != .running { return final }
        }
        Thread.sleep(forTimeInterval: idle)
        idle = min(1.0, idle * 2)
        return nil
    }

    func process(_ claim: WorkQueue.Claim) throws {
        do {
            let t0 = Date()
            let cpu0 = CPUTime.thread()
            try connection.prepare(for: .read, run.config.timeouts)
            let series = try reader.read(chunk: claim.chunk, on: connection)
            let t1 = Date()
            var writer = BinaryCopyWriter(reservingCapacity: series.count * run.config.horizon * 110 + 64)
            var statsWriter = BinaryCopyWriter(reservingCapacity: series.count * 160 + 64)
            var sideWriter = BinaryCopyWriter(reservingCapacity: sideForecasters.count * series.count * run.config.horizon * 120 + 64)
            // Only a run with --levels computes and writes them.
            var quantileWriter = run.config.quantileLevels.map {
                BinaryCopyWriter(reservingCapacity: $0.count * series.count * (run.config.horizon * 24 + 120) + 64)
            }
            var lastBeat = Date()
            let segments = run.config.needsGlobalStep ? try GlobalTraining.segments(.run, id: run.id, chunk: claim.chunk, on: connection) : [:]
            let predicted = forecaster.globalForecasts(series, segments: segments)
            // The competing items' prices of this item's groups, for the price regression's cross-price term.
            let competitors =
                run.config.readsPlannedHistory
                ? CompetitorPrices.indexes(
                    try CompetitorPrices.read(
                        .run, id: run.id, chunk: claim.chunk, through: reader.promotionDays(horizon: run.config.horizon).upperBound,
                        schema: run.config.schema, on: connection),
                    cutoff: reader.cutoff, horizon: run.config.horizon, frequency: run.config.frequency)
                : [:]
            let sidePredicted = sideForecasters.map { $0.globalForecasts(series, segments: segments) }
            for s in series {
                try checkStop()
                let served = try forecaster.encode(
                    s, segment: segments[s.seriesNo], predicted: predicted[s.seriesNo],
                    competitors: competitors[s.seriesNo], into: &writer, quantilesInto: &quantileWriter)
                SeriesProfile.encode(s, served: served, runID: run.id, frequency: run.config.frequency, into: &statsWriter)
                for (side, p) in zip(sideForecasters, sidePredicted) {
                    try side.encode(s, segment: segments[s.seriesNo], predicted: p[s.seriesNo], competitors: competitors[s.seriesNo], into: &sideWriter)
                }
                if Date().timeIntervalSince(lastBeat) >= run.config.heartbeatSeconds {
                    guard try queue.heartbeat(claim, on: connection) else { throw LeaseLost() }
                    lastBeat = Date()
                }
            }
            // Failure drills only (`WorkerSeam`, zero in `forecastctl`): hold the item, heartbeating.
            let hold = WorkerSeam.hold.withLock { $0 }
            if hold > 0 {
                let until = Date().addingTimeInterval(hold)
                while Date() < until {
                    try checkStop()
                    Thread.sleep(forTimeInterval: min(0.05, max(0, until.timeIntervalSinceNow)))
                    if Date().timeIntervalSince(lastBeat) >= run.config.heartbeatSeconds {
                        guard try queue.heartbeat(claim, on: connection) else { throw LeaseLost() }
                        lastBeat = Date()
                    }
                }
            }
            let t2 = Date()
            try connection.prepare(for: .write, run.config.timeouts)
            try connection.transaction { tx in
                let checksum = series.reduce(UInt64(0)) { $0 ^ $1.checksum }
                guard
                    try queue.complete(
                        claim, rows: writer.rowCount, rowsRead: series.reduce(0) { $0 + $1.rowsRead },
                        readChecksum: checksum, cpuSeconds: CPUTime.thread() - cpu0, in: tx)
                else { throw LeaseLost() }
                try tx.copyIn(ChunkForecaster.layout, data: writer)
                if sideWriter.rowCount > 0 { try tx.copyIn(ChunkForecaster.sideLayout, data: sideWriter) }
                if let quantileWriter, quantileWriter.rowCount > 0 { try tx.copyIn(ChunkForecaster.quantileLayout, data: quantileWriter) }
                if statsWriter.rowCount > 0 { try tx.copyIn(SeriesProfile.layout, data: statsWriter) }
            }
            logger.info(
                "work item done",
                metadata: ProcessMemory.adding(to: [
                    "chunk": "\(claim.chunk)", "series": "\(series.count)", "rows": "\(writer.rowCount)",
                    "read_ms": "\(Int(t1.timeIntervalSince(t0) * 1000))", "forecast_ms": "\(Int(t2.timeIntervalSince(t1) * 1000))",
                    "write_ms": "\(Int(Date().timeIntervalSince(t2) * 1000))",
                ]))
        } catch is Stopping {
            try queue.release(claim, reason: "worker stopping (signal \(StopSignal.shared.requested ?? 0))", on: connection)
            logger.info("handed back work item", metadata: ["item": "\(claim.id)", "chunk": "\(claim.chunk)"])
        } catch is LeaseLost {
            logger.warning("lost the lease on work item", metadata: ["item": "\(claim.id)", "chunk": "\(claim.chunk)"])
        } catch let error as PostgresError where error.kind == .connection {
            // Our connection is gone; the lease will expire and another worker will retry the item.
            logger.error("connection lost while processing an item; reconnecting", metadata: ["error": "\(error)"])
            connection.close()
            connection = try Reconnect.connect(connect, logger: logger)
        } catch let error as SeriesReader.InputChanged {
            try queue.fail(claim, error: error.description, retryable: false, on: connection)
        } catch let error as PostgresError {
            logger.error("work item failed", metadata: ["chunk": "\(claim.chunk)", "error": "\(error)"])
            try queue.fail(claim, error: error.description, retryable: error.isRetryable, on: connection)
        } catch {
            logger.error("work item failed", metadata: ["chunk": "\(claim.chunk)", "error": "\(error)"])
            try queue.fail(claim, error: "\(error)", retryable: false, on: connection)
        }
    }
}
