import Foundation
import Logging
import Postgres

/// N workers on N threads, each with its own connection, all on one run.
public enum WorkerPool {
    /// Runs `count` workers to completion; returns the run's final status.
    /// If every worker failed, the first error is thrown (a run can still finish elsewhere).
    public static func run(_ run: RunRecord, count: Int, namePrefix: String, throttleSeconds: Double = 0,
                           logger: Logger, connect: @escaping @Sendable () throws -> Connection) throws -> RunRecord.Status {
        let outcomes = Mutex<[Result<RunRecord.Status, Error>]>([])
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                let result = Result {
                    let worker = try Worker(name: "\(namePrefix)-\(i + 1)", run: run, throttleSeconds: throttleSeconds,
                                            logger: logger, connect: connect)
                    defer { worker.connection.close() }
                    return try worker.runUntilDone()
                }
                outcomes.withLock { $0.append(result) }
            }
            thread.name = "\(namePrefix)-\(i + 1)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        let results = outcomes.withLock { $0 }
        if let status = results.compactMap({ try? $0.get() }).first { return status }
        for case .failure(let error) in results { throw error }
        return .failed
    }

    /// A worker name unique across hosts: host, pid.
    public static var processName: String {
        "\(ProcessInfo.processInfo.hostName.split(separator: ".").first ?? "host"):\(ProcessInfo.processInfo.processIdentifier)"
    }
}
