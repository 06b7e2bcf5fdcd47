import Foundation
import Postgres
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Timed {
    /// A server that accepts TCP connections and never answers (a hung listener, a black-holing
    /// proxy): connecting gives up after the default `connect_timeout` instead of waiting forever,
    /// and a `connect_timeout` in the URL overrides the default.
    @Suite struct ConnectTimeouts {
        /// A loopback listener that never accepts or answers; the kernel still completes handshakes.
        final class SilentListener {
            let fd: Int32
            let port: UInt16
            init() throws {
                let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                address.sin_port = 0
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let size = length
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, size) }
                }
                guard bound == 0, listen(socketFD, 16) == 0 else {
                    close(socketFD)
                    throw POSIXError(.EADDRINUSE)
                }
                _ = withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
                }
                fd = socketFD
                port = UInt16(bigEndian: address.sin_port)
            }
            deinit { close(fd) }
        }

        static func secondsToFail(_ url: String) -> (Double, PostgresError?) {
            let started = Date()
            do {
                _ = try Connection.connect(url)
                return (Date().timeIntervalSince(started), nil)
            } catch {
                return (Date().timeIntervalSince(started), error as? PostgresError)
            }
        }

        @Test func aListenerThatNeverAnswersTimesOut() throws {
            let listener = try SilentListener()
            let (seconds, error) = Self.secondsToFail("postgresql://nobody@127.0.0.1:\(listener.port)/x?sslmode=disable")
            #expect(error?.kind == .connection, "\(String(describing: error))")
            #expect(seconds >= 8 && seconds < 20, "gave up after \(seconds) s (default connect_timeout is 10 s)")
            let (short, shortError) = Self.secondsToFail("postgresql://nobody@127.0.0.1:\(listener.port)/x?sslmode=disable&connect_timeout=2")
            #expect(shortError?.kind == .connection)
            #expect(short >= 1.5 && short < 6, "the URL's connect_timeout=2 took \(short) s")
        }
    }
}
