import Forecasting
import Foundation

/// SIGTERM / SIGINT / SIGHUP as a request to stop: workers stop claiming, hand back the item they
/// hold at once (no lease to wait out) and the process exits with 128 + the signal number. A
/// second signal exits at once. (SIGHUP used to end the process at once, dropping its item until
/// the lease ran out.) `install()` is called by the commands that work (`run`, `work`).
public final class StopSignal: @unchecked Sendable {
    public static let shared = StopSignal()
    private let received = Mutex<Int32?>(nil)
    private var sources: [DispatchSourceSignal] = []

    /// The signal that asked to stop, if any.
    public var requested: Int32? { received.withLock { $0 } }

    /// For tests and embedding: ask to stop as if `signal` arrived.
    public func request(_ signal: Int32) {
        let again = received.withLock { value -> Bool in
            defer { if value == nil { value = signal } }
            return value != nil
        }
        if again { _exit(128 + signal) }
    }

    public func install() {
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.request(signalNumber) }
            source.resume()
            sources.append(source)
        }
    }
}
