import Foundation
import Logging
import Postgres

/// Reopening a connection after the server went away (a restart, a dropped network): the
/// coordinator's final read and every worker use it.
enum Reconnect {
    /// A new connection, retried with backoff (about 13 s in all) while the server comes back.
    static func connect(_ connect: () throws -> Connection, logger: Logger) throws -> Connection {
        var delay = 0.2
        for attempt in 1..<7 {
            do {
                return try connect()
            } catch let error as PostgresError where error.kind == .connection {
                logger.info("reconnecting", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                Thread.sleep(forTimeInterval: delay)
                delay *= 2
            }
        }
        return try connect()
    }
}
