import Foundation

/// Runs a blocking closure on its own thread; `value()` waits for it.
final class BackgroundTask<T>: @unchecked Sendable {
    private var result: Result<T, Error>?
    private let done = DispatchSemaphore(value: 0)

    init(name: String, _ body: @escaping @Sendable () throws -> T) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    func value() throws -> T {
        done.wait()
        done.signal()  // later calls return at once
        return try result!.get()
    }
}
