import Foundation

/// The git commit the running binary was built from, for a model version's lineage:
/// `FORECAST_GIT_COMMIT` when set (the Docker image sets it at build time), else the commit of
/// the checkout the binary was built in (`-dirty` when it has uncommitted changes), else nil.
public enum BuildInfo {
    public static let gitCommit: String? = {
        if let env = ProcessInfo.processInfo.environment["FORECAST_GIT_COMMIT"], !env.isEmpty { return env }
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(".git").path) {
                guard let head = git(["rev-parse", "HEAD"], in: dir) else { return nil }
                let dirty = git(["status", "--porcelain", "--untracked-files=no"], in: dir).map { !$0.isEmpty } ?? false
                return dirty ? head + "-dirty" : head
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    static func git(_ arguments: [String], in dir: URL) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", dir.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
