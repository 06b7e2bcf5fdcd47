import Forecasting
import Foundation
import Testing

@testable import Pipeline

/// A run's configuration is checked before anything is written: every number finite and in range,
/// every model spelled as it is parsed back.
struct RunConfigTests {
    /// Hostile numbers from flags or a stored configuration (NaN, infinities, a lease of 1e17 s
    /// that once wedged a cutoff) are refused naming the setting (a value the command line words
    /// as its flag), not passed on to PostgreSQL.
    @Test func nonFiniteAndOutOfRangeSettingsAreRefused() throws {
        try RunConfig().validate()
        let cases: [(Setting, (inout RunConfig) -> Void)] = [
            (.leaseSeconds, { $0.leaseSeconds = .nan }),
            (.leaseSeconds, { $0.leaseSeconds = 1e17 }),
            (.heartbeatSeconds, { $0.heartbeatSeconds = .infinity }),
            (.heartbeatSeconds, { $0.heartbeatSeconds = 120 }),
            (.level, { $0.intervalLevel = 1 }),
            (.level, { $0.intervalLevel = -.nan }),
            (.horizon, { $0.horizon = 0 }),
            (.chunkSize, { $0.chunkSize = 0 }),
            (.staleSLAHours, { $0.staleSLAHours = -.infinity }),
            (.minVolumeRatio, { $0.minVolumeRatio = 1.5 }),
            (.minLandedShare, { $0.minLandedShare = .nan }),
            (.maxAttempts, { $0.maxAttempts = 101 }),
            (.season, { $0.model.seasonLength = 0 }),
            (.inputSchema, { $0.inputSchema = "" }),
        ]
        for (expected, change) in cases {
            var config = RunConfig()
            change(&config)
            do {
                try config.validate()
                Issue.record("\(expected): accepted")
            } catch let PipelineError.invalidSetting(setting, problem) {
                #expect(setting == expected, "\(setting) \(problem)")
                // In words, for a run request's error or a log line: no flag the daemon's user never typed.
                #expect(!PipelineError.invalidSetting(setting, problem).description.contains("--"), "\(problem)")
            }
        }
    }

    /// Every model kind and variant is written (`argument`) as `init(parsing:)` reads it back, so a
    /// stored configuration or a version's policy names the same model after a round trip.
    @Test func everyModelRoundTripsThroughItsArgument() throws {
        var texts = ModelSpec.Kind.allCases.map(\.rawValue)
        texts += [
            "auto_ets:log1p", "auto_theta:log1p", "ses:log1p", "xgboost:l1", "xgboost:log", "xgboost:log_depth",
            "xgboost:log_cat", "combination:xgboost:log+xgboost:log_depth+price_regression",
        ]
        for text in texts {
            let spec = try ModelSpec(parsing: text, seasonLength: 7, window: 28)
            #expect(try ModelSpec(parsing: spec.argument, seasonLength: 7, window: 28) == spec, "\(text)")
        }
        #expect(try ModelSpec(parsing: "xgboost:tweedie", seasonLength: 7, window: 28).argument == "xgboost")
        for bad in ["", "xgb", "auto_ets:l1", "xgboost:log1p", "naive:", "price_regression:log1p", "selected:log1p"] {
            #expect(throws: PipelineError.self, "\(bad)") { try ModelSpec(parsing: bad, seasonLength: 7, window: 28) }
        }
    }

    /// Backtests and `train` take folds a week apart on daily series and two weeks apart on weekly
    /// ones when no step is given (one rule, `BacktestPlan.defaultStep`).
    @Test func theDefaultFoldStepFollowsTheFrequency() {
        #expect(BacktestPlan.defaultStep(.day) == 7)
        #expect(BacktestPlan.defaultStep(.week) == 2)
    }
}
