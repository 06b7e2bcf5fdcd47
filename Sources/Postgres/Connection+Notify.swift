import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

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

    /// The notifications that have arrived, waiting up to `seconds` for the first one when none
    /// has: a NOTIFY reaches a listener shortly after the sender's commit returns, not with it.
    /// Waits on the socket (`poll`), so it wakes as soon as something arrives.
    public func notifications(waitingUpTo seconds: Double) throws -> [PostgresNotification] {
        let deadline = ContinuousClock.now + .milliseconds(Int64(max(0, seconds) * 1000))
        while true {
            let arrived = try notifications()
            let left = ContinuousClock.now.duration(to: deadline)
            if !arrived.isEmpty || left <= .zero { return arrived }
            let ms = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
            var fd = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            guard fd.fd >= 0 else { throw connectionError(query: nil) }
            _ = poll(&fd, 1, max(1, ms))
        }
    }
}
