import Foundation
import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// TCP ports for servers a test starts (a daemon's HTTP endpoints, a throwaway PostgreSQL).
///
/// A port in the ephemeral range (32768-60999 on Linux) can be held at any moment by one of the
/// thousands of client connections the parallel test processes open; a daemon that cannot bind it
/// exits, and the test used to wait out its timeout (CI, stop 40: 21000 + pid % 20000 reached
/// 40999). So each purpose has its own block below that range, the start in it is derived from the
/// process id (two test processes, two starts), and a port that cannot be bound now is skipped.
enum TestPorts {
    enum Block: Int {
        case daemonHTTP = 20_000
        case endpointHTTP = 22_000
        /// Two daemons: this port and the next.
        case stackHTTP = 24_000
        case monthAheadPostgres = 26_000
    }

    /// The first port of `count` consecutive ones in `block` that can all be bound now.
    static func free(_ block: Block, count: Int = 1) throws -> Int {
        let span = 1_900
        let start = Int(getpid()) % span
        for offset in 0..<span {
            let first = block.rawValue + (start + offset) % span
            if (first..<first + count).allSatisfy(canBind) { return first }
        }
        throw PipelineError.configuration("no free TCP port in \(block.rawValue)-\(block.rawValue + span)")
    }

    /// Whether a listening socket can take `port` on every address now (no SO_REUSEADDR: a port
    /// some other socket holds, even in TIME_WAIT, counts as taken).
    static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = INADDR_ANY
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
