import Foundation

/// Where the project's SQL lives (migrations, contracts). Looked up in this order:
/// an explicit path, `$FORECAST_SQL_DIR`, then `sql/` in the current folder or any parent, then
/// `sql/` next to or above the executable (so `.build/debug/forecastctl` finds the checkout's).
public struct SQLDirectory: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    public static func locate(explicit: String? = nil) throws -> SQLDirectory {
        let fm = FileManager.default
        func valid(_ u: URL) -> Bool {
            fm.fileExists(atPath: u.appendingPathComponent("migrations").path)
        }
        if let explicit {
            let u = URL(fileURLWithPath: explicit)
            guard valid(u) else { throw PipelineError.configuration("\(explicit) has no migrations/ folder") }
            return SQLDirectory(url: u)
        }
        if let env = ProcessInfo.processInfo.environment["FORECAST_SQL_DIR"], !env.isEmpty {
            let u = URL(fileURLWithPath: env)
            guard valid(u) else { throw PipelineError.configuration("FORECAST_SQL_DIR=\(env) has no migrations/ folder") }
            return SQLDirectory(url: u)
        }
        var starts = [URL(fileURLWithPath: fm.currentDirectoryPath)]
        starts.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent("sql")
                if valid(candidate) { return SQLDirectory(url: candidate) }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw PipelineError.configuration("cannot find the sql/ folder; run from the project folder or set FORECAST_SQL_DIR")
    }

    public var migrations: URL { url.appendingPathComponent("migrations") }
    public var contracts: URL { url.appendingPathComponent("contracts") }

    /// The text of a file under the folder (`roles/grants.sql`).
    func text(of path: String) throws -> String {
        let file = url.appendingPathComponent(path)
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw PipelineError.configuration("cannot read \(file.path)")
        }
        return text
    }

    /// `.sql` files of a subfolder, sorted by name.
    func files(in folder: URL) throws -> [(name: String, text: String)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        return try names.map { name in
            (name, try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
        }
    }
}
