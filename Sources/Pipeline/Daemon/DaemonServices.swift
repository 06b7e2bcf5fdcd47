import Forecasting
import Foundation
import Logging
import ServiceLifecycle

/// `forecastctl worker` as a swift-service-lifecycle `ServiceGroup`: the worker daemon and the
/// health/metrics server are services. SIGTERM, SIGINT or SIGHUP starts a graceful shutdown: the
/// daemon stops claiming, hands back the item it holds and returns; then the HTTP server stops (a
/// supervisor that restarts it, as the systemd unit does, makes SIGHUP a reload). SIGQUIT,
/// or a graceful shutdown still going after `maximumGracefulShutdown`, cancels the group and the
/// process exits at once (128 + 15).
public enum DaemonServices {
    /// The daemon's loop is synchronous (libpq, one thread per worker): it runs on a thread of its
    /// own; graceful shutdown reaches it through `StopSignal`, which every worker loop checks.
    public struct Daemon: Service, CustomStringConvertible {
        let daemon: WorkerDaemon
        let options: WorkerDaemon.Options
        let tally: Mutex<WorkerDaemon.Tally?>
        public var description: String { "worker-daemon" }

        public init(_ daemon: WorkerDaemon, options: WorkerDaemon.Options) {
            self.daemon = daemon
            self.options = options
            self.tally = Mutex(nil)
        }

        /// What the daemon did, once it returned.
        public var result: WorkerDaemon.Tally? { tally.withLock { $0 } }

        public func run() async throws {
            try await withTaskCancellationHandler {
                try await withGracefulShutdownHandler {
                    let done = try await Self.onThread { [daemon, options] in try daemon.run(options) }
                    tally.withLock { $0 = done }
                } onGracefulShutdown: {
                    StopSignal.shared.request(SIGTERM)
                }
            } onCancel: {
                // SIGQUIT, or the graceful shutdown took too long: exit now.
                StopSignal.shared.request(SIGTERM)
                StopSignal.shared.request(SIGTERM)
            }
        }

        /// Runs blocking work (libpq) on a thread of its own, off the concurrency pool and the event loops.
        static func onThread<T: Sendable>(name: String = "worker-daemon", _ body: @escaping @Sendable () throws -> T) async throws -> T {
            try await withCheckedThrowingContinuation { continuation in
                let thread = Thread {
                    do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
                }
                thread.name = name
                thread.start()
            }
        }
    }

    /// /metrics, /healthz and /readyz (Hummingbird) until the group shuts down.
    public struct Health: Service, CustomStringConvertible {
        let server: HealthServer
        public var description: String { "http" }
        public init(_ server: HealthServer) { self.server = server }

        public func run() async throws {
            do {
                try await server.application().run()
            } catch {
                throw PipelineError.configuration("cannot serve HTTP on \(server.address):\(server.port): \(error)")
            }
        }
    }

    /// How long a graceful shutdown may take before the group is cancelled (an item's write and
    /// commit take seconds; a stuck statement is cut by its class timeout well before this).
    public static let maximumGracefulShutdown = Duration.seconds(300)

    /// Runs the group until the daemon returns (then the rest shuts down gracefully) or a signal.
    public static func run(daemon: Daemon, health: Health?, logger: Logger) throws {
        var services = [ServiceGroupConfiguration.ServiceConfiguration(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup)]
        if let health { services.append(.init(service: health)) }
        var configuration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint, .sighup],
            cancellationSignals: [.sigquit], logger: logger)
        configuration.maximumGracefulShutdownDuration = maximumGracefulShutdown
        configuration.logging.keys.serviceKey = "service"
        let group = ServiceGroup(configuration: configuration)
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Task {
            do {
                try await group.run()
                outcome.withLock { $0 = .success(()) }
            } catch { outcome.withLock { $0 = .failure(error) } }
            finished.signal()
        }
        finished.wait()
        try outcome.withLock { $0 }?.get()
    }
}
