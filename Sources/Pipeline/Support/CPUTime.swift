import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// CPU seconds the calling thread has used (what a run's cost accounting adds up per work item
/// and per run-level step; client side only, the server's share is not included).
enum CPUTime {
    static func thread() -> Double {
        var t = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0 else { return 0 }
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
