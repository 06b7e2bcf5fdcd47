import CLibPQ

/// A NOTIFY received on a channel this connection listens on.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    public let backendPID: Int32
}

extension Connection {
    /// `LISTEN channel` (the name quoted as an identifier).
    public func listen(_ channel: String) throws {
        try execute(Query(unsafeSQL: "LISTEN \(SQLIdentifier(channel).rendered)"))
    }

    /// The notifications that have arrived, without waiting: reads what the socket holds, then
    /// drains libpq's queue. Notifications also arrive with the results of other statements.
    public func notifications() throws -> [PostgresNotification] {
        guard PQconsumeInput(handle) == 1 else { throw connectionError(query: nil) }
        var out: [PostgresNotification] = []
        while let n = PQnotifies(handle) {
            out.append(
                PostgresNotification(
                    channel: String(cString: n.pointee.relname), payload: String(cString: n.pointee.extra),
                    backendPID: n.pointee.be_pid))
            PQfreemem(n)
        }
        return out
    }
}
