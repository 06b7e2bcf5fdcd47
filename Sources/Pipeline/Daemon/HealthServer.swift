import Forecasting
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Postgres

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's HTTP endpoints on Hummingbird 2 (issue 29, finding 7: the hand-written server had
/// one accept thread and a blocking read, so one idle connection blocked every probe; a request
/// split across TCP segments and HEAD got 404): `GET`/`HEAD /metrics` (Prometheus text),
/// `/healthz` (200 when the database answers), `/readyz` (200 when it answers and every migration
/// is applied, else 503 with the reason). Connections idle (or sending a request slowly) for
/// `idleTimeout` are closed; at most `maxConnections` are open at once (more are closed at once).
/// Database checks run on a thread of their own with a fresh connection (libpq blocks; scrapes
/// must not share a worker's session), at most `maxConnections` at a time.
public struct HealthServer: Sendable {
    public static let maxConnections = 32

    public let address: String
    public let port: Int
    /// Connections idle, or sending a request, this long are closed.
    public let idleTimeout: TimeAmount
    let sql: SQLDirectory
    let connect: @Sendable () throws -> Connection
    let logger: Logger
    /// This server's accuracy gauges, refreshed at most every 5 minutes.
    let accuracy = OpsMetrics.AccuracyCache()

    public init(
        address: String, port: Int, idleSeconds: Double = 10, sql: SQLDirectory, logger: Logger,
        connect: @escaping @Sendable () throws -> Connection
    ) throws {
        var probe = in_addr()
        guard inet_pton(AF_INET, address, &probe) == 1 else {
            throw PipelineError.invalidSetting(.httpAddress, "must be an IPv4 address, got \(address)")
        }
        self.address = address
        self.port = port
        self.idleTimeout = .nanoseconds(Int64(idleSeconds * 1e9))
        self.sql = sql
        self.connect = connect
        self.logger = logger
    }

    /// The Hummingbird application: a swift-service-lifecycle service that stops with the group.
    func application() -> some ApplicationProtocol {
        let router = Router()
        let text = "text/plain; charset=utf-8"
        for path in ["/metrics", "/healthz", "/readyz"] {
            for method in [HTTPRequest.Method.get, .head] {
                // HEAD: the same check, status and headers, no body.
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    let (status, type, body) = try await DaemonServices.Daemon.onThread(name: "http-check") { [self] in respond(to: path) }
                    var headers = HTTPFields()
                    headers[.contentType] = type
                    return Response(status: status, headers: headers, body: method == .head ? .init() : .init(byteBuffer: ByteBuffer(string: body)))
                }
            }
        }
        router.get("/**") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = text
            return Response(status: .notFound, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "try /metrics, /healthz or /readyz\n")))
        }
        let limit = ConnectionLimit(maximum: Self.maxConnections)
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [ConnectionLimit.Handler(limit)],
                    idleTimeout: idleTimeout)),
            configuration: .init(address: .hostname(address, port: port), serverName: "forecastctl", backlog: 64),
            logger: logger)
    }

    func respond(to path: String) -> (HTTPResponse.Status, String, String) {
        let text = "text/plain; charset=utf-8"
        do {
            let c = try connect()
            defer { c.close() }
            switch path {
            case "/metrics":
                return (.ok, "text/plain; version=0.0.4; charset=utf-8", try OpsMetrics.scrape(on: c, accuracy: accuracy))
            case "/healthz":
                _ = try c.query(Query("SELECT 1").named("healthz"))
                return (.ok, text, "ok\n")
            default:
                do {
                    try Migrator(directory: sql).requireUpToDate(c)
                    return (.ok, text, "ready\n")
                } catch {
                    return (.serviceUnavailable, text, "not ready: \(error)\n")
                }
            }
        } catch {
            // Connection errors are already redacted (no password).
            return (.serviceUnavailable, text, (path == "/readyz" ? "not ready: " : "database: ") + "\(error)\n")
        }
    }
}

/// At most `maximum` open connections: one more is closed as soon as it is accepted.
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let open = Mutex(0)

    init(maximum: Int) { self.maximum = maximum }

    /// Counts a connection in; false when the limit is reached (the caller closes it).
    func enter() -> Bool {
        open.withLock { n in
            guard n < maximum else { return false }
            n += 1
            return true
        }
    }

    func leave() { open.withLock { $0 -= 1 } }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        let limit: ConnectionLimit
        var counted = false

        init(_ limit: ConnectionLimit) { self.limit = limit }

        func handlerAdded(context: ChannelHandlerContext) {
            counted = limit.enter()
            if !counted {
                context.close(promise: nil)
                return
            }
            // HTTP/1.0 without keep-alive: Hummingbird closes only on `Connection: close`, so say it
            // before NIO's request head becomes an HTTPTypes one (which has no version); otherwise
            // such a client (a probe, `stack.sh status`) waits for the idle timeout.
            if let decoder = try? context.pipeline.syncOperations.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self) {
                try? context.pipeline.syncOperations.addHandler(CloseUnlessKeepAlive(), position: .after(decoder.handler))
            }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            if counted {
                limit.leave()
                counted = false
            }
        }
    }
}

/// Marks a request that does not keep its connection alive (HTTP/1.0 without `keep-alive`) with
/// `Connection: close`.
final class CloseUnlessKeepAlive: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var part = unwrapInboundIn(data)
        if case .head(var head) = part, !head.isKeepAlive {
            head.headers.replaceOrAdd(name: "connection", value: "close")
            part = .head(head)
        }
        context.fireChannelRead(wrapInboundOut(part))
    }
}
