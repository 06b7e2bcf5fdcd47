import Forecasting
import Foundation
import Logging
import Postgres

/// A running backtest's sign of life (migration 031): every quarter of its lease (5 s at most), from a thread
/// with its own connection, `heartbeat_at` moves to now. A process that dies stops it; two leases
/// later `forecast.fail_abandoned_backtests()` fails the backtest instead of leaving it running.
final class BacktestHeartbeat: @unchecked Sendable {
    private let stopRequested = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let endedFlag = Mutex(false)

    /// The backtest is no longer running in the database (cancelled, or failed as abandoned after
    /// a long stall): the runner stops at its next chunk.
    var ended: Bool { endedFlag.withLock { $0 } }

    init(backtestID: Int64, leaseSeconds: Double, logger: Logger, connect: @escaping @Sendable () throws -> Connection) {
        // A quarter of the lease, and at least every 5 s, so that a cancel is noticed soon.
        let interval = max(0.05, min(5, leaseSeconds / 4))
        let thread = Thread { [stopRequested, stopped, endedFlag] in
            var connection: Connection?
            defer {
                connection?.close()
                stopped.signal()
            }
            while stopRequested.wait(timeout: .now() + interval) == .timedOut {
                do {
                    if connection == nil { connection = try connect() }
                    let beat = try connection!.execute(
                        Query(
                            """
                            UPDATE forecast.backtests SET heartbeat_at = clock_timestamp() WHERE id = \(backtestID) AND status = 'running'
                            """
                        ).named("backtest_heartbeat"))
                    if beat == 0 { endedFlag.withLock { $0 = true } }
                } catch {
                    // The next beat reconnects; two leases of silence fail the backtest.
                    logger.warning("backtest \(backtestID): heartbeat failed: \(error)")
                    connection?.close()
                    connection = nil
                }
            }
        }
        thread.name = "backtest-heartbeat"
        thread.start()
    }

    /// Stops the beats and waits for the thread to close its connection.
    func stop() {
        stopRequested.signal()
        stopped.wait()
    }

    /// Fails the running backtests whose heartbeat is older than two leases; their ids.
    static func failAbandoned(on connection: Connection) throws -> [Int64] {
        try connection.query(Query("SELECT id FROM forecast.fail_abandoned_backtests() AS id").named("fail_abandoned_backtests")).rows
            .map { try $0.decode("id", as: Int64.self) }
    }
}
