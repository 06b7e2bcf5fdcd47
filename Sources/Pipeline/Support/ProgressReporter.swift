import Forecasting
import Foundation
import Postgres

/// Prints queue progress to stderr every few seconds while a run is in flight:
/// `run 12: items 40/120, series 10000/30000, 280000 rows, 95000 rows/s`.
public final class ProgressReporter: @unchecked Sendable {
    let runID: Int64
    let totalSeries: Int
    let interval: Double
    let connect: @Sendable () throws -> Connection
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    public init(runID: Int64, totalSeries: Int, interval: Double = 2, connect: @escaping @Sendable () throws -> Connection) {
        self.runID = runID
        self.totalSeries = totalSeries
        self.interval = interval
        self.connect = connect
    }

    public func start() {
        let thread = Thread { [self] in
            defer { done.signal() }
            guard let connection = try? connect() else { return }
            defer { connection.close() }
            let queue = WorkQueue(runID: runID, leaseSeconds: 1, workerName: "progress")
            let started = Date()
            while true {
                let until = Date().addingTimeInterval(interval)
                while Date() < until {
                    if stopped.withLock({ $0 }) { return }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                guard let c = try? queue.counts(on: connection) else { return }
                let elapsed = Date().timeIntervalSince(started)
                let rate = elapsed > 0 ? Double(c.rowsWritten) / elapsed : 0
                FileHandle.standardError.write(
                    Data(
                        "run \(runID): items \(c.completed)/\(c.total) (\(c.running) running, \(c.failed) failed), series \(c.completedSeries)/\(totalSeries), \(c.rowsWritten) rows, \(Int(rate)) rows/s\n"
                            .utf8))
            }
        }
        thread.start()
    }

    public func stop() {
        stopped.withLock { $0 = true }
        done.wait()
    }

    /// Progress lines for people on stderr, each after `prefix` ("train: artifact: "), or nil when
    /// progress is off: what a long step hands to the code that knows how far it got.
    static func lines(prefix: String, when shown: Bool) -> ((String) -> Void)? {
        shown ? { FileHandle.standardError.write(Data("\(prefix)\($0)\n".utf8)) } : nil
    }
}
