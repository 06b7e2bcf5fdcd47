import Foundation
import Testing

@testable import Pipeline

/// `--levels` and the contract's exception tolerance, given hostile values.
struct QuantileLevelsTests {
    @Test func levelsAreFiniteFractionsFewAndDistinct() throws {
        #expect(try QuantileLevels.validated([0.95, 0.5, 0.5, 0.8], main: 0.8) == [0.5, 0.95])
        for bad in [[Double.nan], [.infinity], [-0.1], [0], [1], [1e308]] {
            #expect(throws: PipelineError.self, "\(bad)") { try QuantileLevels.validated(bad, main: 0.8) }
        }
        let many = (1...9).map { Double($0) / 10 + 0.01 }
        #expect(throws: PipelineError.self) { try QuantileLevels.validated(many, main: 0.8) }
        var config = RunConfig()
        config.quantileLevels = [0.95, 0.5]  // stored out of order (a hand-edited request): refused
        #expect(throws: PipelineError.self) { try config.validate() }
    }

    @Test func theExceptionToleranceIsAShareInRange() throws {
        let contract = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("ops/metrics-contract.json"), encoding: .utf8)
        #expect(try JSONDecoder().decode(ServiceObjectives.self, from: Data(contract.utf8)).exceptionTolerance == 0.3)
        for bad in ["-1", "0", "1e308"] {
            let text = contract.replacingOccurrences(of: "\"exception_tolerance\": 0.3", with: "\"exception_tolerance\": \(bad)")
            #expect(throws: PipelineError.self, "\(bad)") { try JSONDecoder().decode(ServiceObjectives.self, from: Data(text.utf8)) }
        }
    }
}
