import ArgumentParser
import Pipeline
import Testing

@testable import ForecastCLI

/// `worker` plans runs with the operating settings `run` takes (issue 32's soak gives daemons
/// 4-second leases so that a lost host's item is claimed again within a compressed night).
struct WorkerOptionsTests {
    @Test func theDaemonTakesRunsOperatingSettings() throws {
        let parsed = try Forecastctl.parseAsRoot(["worker", "--chunk-size", "2", "--lease-seconds", "4", "--heartbeat-seconds", "1", "--max-attempts", "5"])
        let worker = try #require(parsed as? WorkerCommand)
        var config = RunConfig(inputSchema: "demand")
        try worker.operations.apply(to: &config)
        #expect(config.chunkSize == 2 && config.leaseSeconds == 4 && config.heartbeatSeconds == 1 && config.maxAttempts == 5)
        try config.validate()
        // A heartbeat as long as the lease, a NaN lease: refused before anything connects.
        for (lease, heartbeat) in [("2", "3"), ("nan", "1"), ("1e17", "1")] {
            let bad = try #require(try Forecastctl.parseAsRoot(["worker", "--lease-seconds", lease, "--heartbeat-seconds", heartbeat]) as? WorkerCommand)
            var c = RunConfig(inputSchema: "demand")
            try bad.operations.apply(to: &c)
            #expect(throws: PipelineError.self) { try c.validate() }
        }
    }
}
