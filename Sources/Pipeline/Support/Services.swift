import Logging
import Postgres

/// What the long-lived parts of the pipeline (a run, a backtest, a training, a daemon) are made
/// with: where the project's SQL is, where they log, and how they connect.
public struct Services: Sendable {
    public let sql: SQLDirectory
    public let logger: Logger
    public let connect: @Sendable () throws -> Connection

    public init(sql: SQLDirectory, logger: Logger, connect: @escaping @Sendable () throws -> Connection) {
        self.sql = sql
        self.logger = logger
        self.connect = connect
    }
}

/// A part made with `Services`, read through its three members.
public protocol MadeWithServices: Sendable {
    var services: Services { get }
    init(services: Services)
}

extension MadeWithServices {
    public init(sql: SQLDirectory, logger: Logger, connect: @escaping @Sendable () throws -> Connection) {
        self.init(services: Services(sql: sql, logger: logger, connect: connect))
    }

    public var sql: SQLDirectory { services.sql }
    public var logger: Logger { services.logger }
    public var connect: @Sendable () throws -> Connection { services.connect }
}
