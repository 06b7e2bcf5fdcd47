import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Postgres

/// A minimal HTTP/1.0 server for the platform, on its own thread: `GET /metrics` (Prometheus text),
/// `GET /healthz` (200 when the database answers), `GET /readyz` (200 when it answers and every
/// migration is applied, else 503 with the reason). One request per connection; a fresh database
/// connection per request (scrapes are rare and must not share a worker's session).
public final class HealthServer: @unchecked Sendable {
    let fd: Int32
    public let port: Int
    let sql: SQLDirectory
    let connect: @Sendable () throws -> Connection
    let logger: Logger

    public init(address: String, port: Int, sql: SQLDirectory, logger: Logger, connect: @escaping @Sendable () throws -> Connection) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PipelineError.configuration("cannot open a socket for --http-port: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, address, &addr.sin_addr) == 1 else {
            close(fd)
            throw PipelineError.invalidArgument("--http-address must be an IPv4 address, got \(address)")
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let e = errno
            close(fd)
            throw PipelineError.configuration("cannot listen on \(address):\(port): \(String(cString: strerror(e)))")
        }
        self.fd = fd
        self.port = port
        self.sql = sql
        self.connect = connect
        self.logger = logger
    }

    public func start() {
        let thread = Thread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { if errno == EINTR { continue }; return }
                handle(client)
            }
        }
        thread.name = "http"
        thread.start()
    }

    /// Stops accepting: the listening socket is shut down and closed, and the accept thread returns.
    public func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    func handle(_ client: Int32) {
        defer { close(client) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(client, &buffer, buffer.count)
        guard n > 0 else { return }
        let line = String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = line.split(separator: " ")
        let path = parts.count >= 2 ? String(parts[1]) : "/"
        let (status, type, body) = respond(to: parts.first == "GET" ? path : "")
        let head = "HTTP/1.0 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array((head + body).utf8)
        var sent = 0
        while sent < bytes.count {
            let w = bytes[sent...].withUnsafeBufferPointer { write(client, $0.baseAddress, $0.count) }
            if w <= 0 { return }
            sent += w
        }
    }

    func respond(to path: String) -> (String, String, String) {
        let text = "text/plain; charset=utf-8"
        switch path {
        case "/metrics":
            do {
                let c = try connect()
                defer { c.close() }
                return ("200 OK", "text/plain; version=0.0.4; charset=utf-8", try OpsMetrics.scrape(on: c))
            } catch {
                return ("503 Service Unavailable", text, "database: \(error)\n")
            }
        case "/healthz":
            do {
                let c = try connect()
                defer { c.close() }
                _ = try c.query(Query("SELECT 1").named("healthz"))
                return ("200 OK", text, "ok\n")
            } catch {
                return ("503 Service Unavailable", text, "database: \(error)\n")
            }
        case "/readyz":
            do {
                let c = try connect()
                defer { c.close() }
                try Migrator(directory: sql).requireUpToDate(c)
                return ("200 OK", text, "ready\n")
            } catch {
                return ("503 Service Unavailable", text, "not ready: \(error)\n")
            }
        default:
            return ("404 Not Found", text, "try /metrics, /healthz or /readyz\n")
        }
    }
}
