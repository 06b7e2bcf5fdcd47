import Forecasting
import Foundation
import Logging
import Postgres

/// N workers on N threads, each with its own connection, all on one run.
public enum WorkerPool {
    /// Runs `count` workers to completion; returns the run's final status.
    /// If every worker failed, the first error of a worker that ran is thrown (else the first
    /// start failure): a run can still finish elsewhere.
    public static func run(
        _ run: RunRecord, count: Int, namePrefix: String,
        logger: Logger, connect: @escaping @Sendable () throws -> Connection
    ) throws -> RunRecord.Status {
        let outcomes = Mutex<[Result<RunRecord.Status, Error>]>([])
        let notStarted = Mutex<[Error]>([])
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                let worker: Worker
                do {
                    worker = try Worker(
                        name: "\(namePrefix)-\(i + 1)", run: run, logger: logger, connect: connect)
                } catch {
                    notStarted.withLock { $0.append(error) }
                    if notStarted.withLock({ $0.count }) == 1 {
                        // Say it once, at the default log level: fewer workers is slower, not silent.
                        logger.warning(
                            "a worker could not start; the run continues with the others",
                            metadata: ["run": "\(run.id)", "error": "\(error)"])
                    }
                    return
                }
                defer { worker.connection.close() }
                let result = Result { try worker.runUntilDone() }
                outcomes.withLock { $0.append(result) }
            }
            thread.name = "\(namePrefix)-\(i + 1)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        let failedToStart = notStarted.withLock { $0 }
        if !failedToStart.isEmpty {
            logger.warning(
                "\(count - failedToStart.count) of \(count) workers ran; \(failedToStart.count) could not start",
                metadata: ["run": "\(run.id)", "error": "\(failedToStart[0])"])
        }
        let results = outcomes.withLock { $0 }
        if let status = results.compactMap({ try? $0.get() }).first { return status }
        // What stopped the workers that ran, before why others could not start.
        for case .failure(let error) in results { throw error }
        if let first = failedToStart.first { throw first }
        return .failed
    }

    /// A worker name unique across hosts: `FORECAST_WORKER_NAME` when set, else host:pid. A process
    /// that is pid 1 (a container's entrypoint) adds a random suffix: containers sharing the host's
    /// network (and so its hostname) would otherwise all be "host:1".
    public static let processName: String = {
        let environment = ProcessInfo.processInfo.environment
        if let name = environment["FORECAST_WORKER_NAME"], !name.isEmpty { return name }
        let pid = ProcessInfo.processInfo.processIdentifier
        let base = "\(ProcessInfo.processInfo.hostName.split(separator: ".").first ?? "host"):\(pid)"
        return pid == 1 ? base + "-" + String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16) : base
    }()
}
