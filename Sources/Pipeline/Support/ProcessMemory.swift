import Foundation
import Logging

/// This process's memory as Linux reports it (`/proc/self/status`), for log lines at the phases of
/// a run: where a daemon's peak comes from is read from its own log, with no profiler attached.
public enum ProcessMemory {
    /// Resident now and the peak so far (VmRSS, VmHWM), in MiB; nil where /proc is not there.
    public static func mebibytes() -> (resident: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        func kib(_ key: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
        guard let rss = kib("VmRSS"), let hwm = kib("VmHWM") else { return nil }
        return (rss / 1024, hwm / 1024)
    }

    /// A log line's metadata with `rss_mib` and `peak_mib` added (unchanged where unknown).
    public static func adding(to metadata: Logger.Metadata) -> Logger.Metadata {
        guard let m = mebibytes() else { return metadata }
        return metadata.merging(["rss_mib": "\(m.resident)", "peak_mib": "\(m.peak)"]) { a, _ in a }
    }
}
