import Foundation
import Postgres
import Testing

@testable import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 29, finding 7: one idle TCP connection blocked /healthz, /metrics and /readyz; a request
/// split across TCP segments and HEAD got 404. The endpoints now run on Hummingbird 2.
extension Exclusive {
    @Suite struct HTTPEndpointTests {
        /// A raw TCP client with a receive timeout.
        final class Socket {
            let fd: Int32
            init(port: Int) throws {
                fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = in_port_t(UInt16(port).bigEndian)
                inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
                let ok = withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard ok == 0 else {
                    close(fd)
                    throw PipelineError.configuration("cannot connect to port \(port)")
                }
                var timeout = timeval(tv_sec: 15, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            }
            deinit { close(fd) }
            func send(_ s: String) { _ = Array(s.utf8).withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) } }
            /// Everything until the server closes (or the timeout): the raw response.
            func readAll() -> String {
                var out = [UInt8](), chunk = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(fd, &chunk, chunk.count)
                    if n <= 0 { break }
                    out += chunk[0..<n]
                }
                return String(decoding: out, as: UTF8.self)
            }
            /// Whether the server has closed the connection (a read would return 0 now).
            func isClosedNow() -> Bool {
                var byte = [UInt8](repeating: 0, count: 1)
                return recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) == 0
            }
            /// Seconds until the server closes the connection (read returns 0), or nil on timeout.
            func secondsUntilClosed() -> Double? {
                let start = Date()
                var byte = [UInt8](repeating: 0, count: 1)
                return read(fd, &byte, 1) == 0 ? Date().timeIntervalSince(start) : nil
            }
        }

        static func request(port: Int, _ text: String) throws -> String {
            let s = try Socket(port: port)
            s.send(text)
            return s.readAll()
        }

        @Test func idleAndSlowClientsDoNotBlockProbesAndHEADAnswers() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            let port = try TestPorts.free(.endpointHTTP)
            let daemon = try CLI.start(
                ["worker", "--workers", "1", "--poll-seconds", "30", "--http-port", String(port), "--http-idle-seconds", "3"],
                databaseURL: db.url)
            defer { if daemon.0.isRunning { kill(daemon.0.processIdentifier, SIGKILL) } }
            try Timed.CommandLine.waitFor("the HTTP server", timeout: 30) {
                // A daemon that exited (it could not bind the port, say) says why, at once.
                guard daemon.0.isRunning else { throw PipelineError.configuration("the daemon exited: \(CLI.finish(daemon).stderr)") }
                return (try? Self.request(port: port, "GET /healthz HTTP/1.0\r\n\r\n")) != nil
            }

            // An idle connection, and one that sent half a request: probes answer beside them.
            let idle = try Socket(port: port)
            let slow = try Socket(port: port)
            slow.send("GET /heal")
            let started = Date()
            let health = try Self.request(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(health.hasPrefix("HTTP/1.1 200 OK") && health.hasSuffix("\r\n\r\nok\n"), "\(health)")
            #expect(Date().timeIntervalSince(started) < 5)
            // Both are closed after the idle timeout (3 s here, 10 s by default).
            #expect((idle.secondsUntilClosed() ?? 99) < 6)
            #expect((slow.secondsUntilClosed() ?? 99) < 6)

            // A request split across TCP segments.
            let split = try Socket(port: port)
            split.send("GET /read")
            Thread.sleep(forTimeInterval: 0.2)
            split.send("yz HTTP/1.1\r\nHost: x\r\n")
            Thread.sleep(forTimeInterval: 0.2)
            split.send("Connection: close\r\n\r\n")
            let ready = split.readAll()
            #expect(ready.hasPrefix("HTTP/1.1 200 OK") && ready.hasSuffix("ready\n"), "\(ready)")

            // HEAD: the headers of GET, no body; unknown paths 404; metrics are Prometheus text.
            let head = try Self.request(port: port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(head.hasPrefix("HTTP/1.1 200 OK") && head.contains("Content-Type: text/plain; version=0.0.4") && head.hasSuffix("\r\n\r\n"), "\(head)")
            let missing = try Self.request(port: port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(missing.hasPrefix("HTTP/1.1 404"), "\(missing)")
            // HTTP/1.0 without keep-alive: the connection ends with the response, not at the idle timeout.
            let oneZero = Date()
            let metrics = try Self.request(port: port, "GET /metrics HTTP/1.0\r\n\r\n")
            #expect(Date().timeIntervalSince(oneZero) < 2)
            #expect(metrics.hasPrefix("HTTP/1.1 200 OK") && metrics.contains("# TYPE forecast_"), "\(metrics.prefix(600))")

            // More connections than the limit: the extra ones are closed at once, and once the idle
            // ones time out, probes answer again.
            Thread.sleep(forTimeInterval: 0.5)
            let crowd = try (0..<(HealthServer.maxConnections + 8)).map { _ in try Socket(port: port) }
            Thread.sleep(forTimeInterval: 0.3)
            // 8 over the limit (one or two more while the server has not yet reaped earlier ones).
            let refused = crowd.filter { $0.isClosedNow() }.count
            #expect((8...10).contains(refused), "\(refused)")
            Thread.sleep(forTimeInterval: 3.5)
            let after = try Self.request(port: port, "GET /healthz HTTP/1.0\r\n\r\n")
            #expect(after.hasPrefix("HTTP/1.1 200 OK"), "\(after)")
            _ = crowd.count

            kill(daemon.0.processIdentifier, SIGTERM)
            let stopped = CLI.finish(daemon)
            #expect(stopped.status == 0, "\(stopped.stderr)")
        }
    }
}
