import Foundation
import Prometheus

#if canImport(Glibc)
    import Glibc
#endif

/// The standard `process_*` metrics of a Prometheus client (CPU seconds, resident and virtual
/// memory, open and maximum file descriptors, start time), read from Linux's `/proc/self` at each
/// scrape: what an on-call engineer compares across daemons, and what `node_exporter` cannot see
/// per process. On a system without `/proc` nothing is emitted.
enum ProcessMetrics {
    static func emit(into r: PrometheusCollectorRegistry) {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return }
        // Fields after the command name (which may hold spaces), numbered from 3 (state) as in proc(5).
        let fields = stat[stat.index(after: close)...].split(separator: " ").map(String.init)
        func field(_ n: Int) -> Double? { n - 3 < fields.count ? Double(fields[n - 3]) : nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let user = field(14), let system = field(15), ticks > 0 {
            r.makeCounter(
                descriptor: MetricNameDescriptor(
                    metricName: "process_cpu_seconds_total", unitName: "", helpText: "Total user and system CPU time spent in seconds.")
            )
            .increment(by: (user + system) / ticks)
        }
        if let vsize = field(23) { OpsMetrics.gauge(r, "process_virtual_memory_bytes", "Virtual memory size in bytes.", [], vsize) }
        if let rss = field(24) { OpsMetrics.gauge(r, "process_resident_memory_bytes", "Resident memory size in bytes.", [], rss * page) }
        if let start = field(22), ticks > 0, let boot = bootTime() {
            OpsMetrics.gauge(r, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", [], boot + start / ticks)
        }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            OpsMetrics.gauge(r, "process_open_fds", "Number of open file descriptors.", [], Double(fds.count))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            OpsMetrics.gauge(r, "process_max_fds", "Maximum number of open file descriptors.", [], Double(limit.rlim_cur))
        }
    }

    /// The boot time in Unix seconds (`btime` of /proc/stat).
    static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") { return Double(line.dropFirst(6)) }
        return nil
    }
}
