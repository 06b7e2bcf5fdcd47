import Foundation

/// Runs the real `forecastctl` binary ($FORECASTCTL_BIN, set by `make test`; else next to the test
/// bundle), or for failure drills `forecastctl-drill` beside it (the same commands, every work item
/// held a while before it commits: `WorkerSeam`).
struct CLI {
    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["FORECASTCTL_BIN"], !b.isEmpty { return b }
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return testBundle.appendingPathComponent("forecastctl").path
    }

    static var drillBinary: String {
        URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("forecastctl-drill").path
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Starts the process; call `wait` on it. `launcher`: a command that execs the binary (e.g.
    /// `ip netns exec NS`), so that the process id is the binary's. `holdMs`: run the drill binary,
    /// holding each work item this long before it commits.
    static func start(_ arguments: [String], databaseURL: String, launcher: [String] = [], holdMs: Int? = nil) throws -> (Process, Pipe, Pipe) {
        let binary = holdMs == nil ? binary : drillBinary
        let p = Process()
        p.executableURL = URL(fileURLWithPath: launcher.first ?? binary)
        p.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [binary] + arguments
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = databaseURL
        env["FORECAST_SQL_DIR"] = TestDatabase.sql.url.path
        if let holdMs { env["FORECAST_DRILL_HOLD_MS"] = String(holdMs) }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    static func finish(_ handle: (Process, Pipe, Pipe)) -> Result {
        let (p, out, err) = handle
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    static func run(_ arguments: [String], databaseURL: String) throws -> Result {
        finish(try start(arguments, databaseURL: databaseURL))
    }
}
