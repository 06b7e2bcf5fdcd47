import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the project's ops scripts (bash) with extra environment, from the project root. Spawned
/// with posix_spawn and reaped with waitpid, output to temporary files: the scripts start servers
/// and daemons that outlive them, and Foundation's Process waited on those (a pipe held open, or
/// a child that exited but was never reaped).
enum Shell {
    static var root: URL { TestDatabase.sql.url.deletingLastPathComponent() }

    static func run(_ arguments: [String], env extra: [String: String] = [:]) throws -> CLI.Result {
        let dir = FileManager.default.temporaryDirectory
        let out = dir.appendingPathComponent("shell-\(UUID().uuidString).out").path
        let err = dir.appendingPathComponent("shell-\(UUID().uuidString).err").path
        defer {
            unlink(out)
            unlink(err)
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        // bash redirects, then runs the script from the project root.
        let wrapper = "cd \"$SHELL_ROOT\" && exec /bin/bash \"$@\" >\"$SHELL_OUT\" 2>\"$SHELL_ERR\" </dev/null"
        env["SHELL_ROOT"] = root.path
        env["SHELL_OUT"] = out
        env["SHELL_ERR"] = err
        let argv = ["/bin/bash", "-c", wrapper, "shell"] + arguments
        let envp = env.map { "\($0.key)=\($0.value)" }
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = envp.map { strdup($0) } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, &cArgs, &cEnv)
        guard spawned == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return CLI.Result(
            status: code, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}
