import Foundation
import Testing

@testable import Forecasting
@testable import Pipeline

/// A run in flight is joined only by a caller that asks for the same rows: the recipe decides,
/// the operations do not.
struct RecipeTests {
    static func json(_ config: RunConfig) throws -> String {
        String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self)
    }

    @Test func joiningNeedsTheSameRecipeNotTheSameOperations() throws {
        var running = RunConfig(horizon: 14)
        running.served = ServedVersion(id: 3, version: "1.2.0")
        running.calibrationBacktestID = 7
        // Other chunking, leases, attempts and timeouts: the same rows, so a join is right.
        var operations = running
        operations.chunkSize = 17
        operations.leaseSeconds = 300
        operations.heartbeatSeconds = 30
        operations.maxAttempts = 9
        operations.statementTimeouts = StatementTimeouts()
        #expect(operations.operations != running.operations && operations.recipe == running.recipe)
        try RunStore.requireSameOutput(1, running: Self.json(running), requested: operations)
        // Each of these makes other rows: refused, named.
        let changes: [(String, (inout RunConfig) -> Void)] = [
            ("asked version 1.3.0", { $0.served = ServedVersion(id: 4, version: "1.3.0") }),
            ("residual intervals", { $0.calibrationBacktestID = nil }),
            ("per class", { $0.selection = [.all: ModelSpec(kind: .naive, seasonLength: 7, window: 28)] }),
            ("horizon 14 (asked 28)", { $0.horizon = 28 }),
            ("level", { $0.intervalLevel = 0.95 }),
            (
                "shadow none (asked version 2.0.0)",
                {
                    $0.shadow = ShadowServing(
                        version: ServedVersion(id: 9, version: "2.0.0"),
                        policy: ForecastPolicy(frequency: .day, horizon: 14, model: $0.model, intervalLevel: 0.8))
                }
            ),
        ]
        for (words, change) in changes {
            var requested = running
            change(&requested)
            let error = #expect(throws: PipelineError.self) { try RunStore.requireSameOutput(1, running: Self.json(running), requested: requested) }
            #expect(error?.description.contains(words) == true, "\(words): \(String(describing: error))")
        }
    }
}

/// The three stored parts (`runs.recipe`, `runs.checks`, `runs.operations`) hold every setting of
/// `runs.config` exactly once: a new setting must be placed in one of them, or this fails.
struct RunConfigPartsTests {
    @Test func everySettingIsInExactlyOnePart() throws {
        var config = RunConfig(horizon: 14)
        config.served = ServedVersion(id: 3, version: "1.2.0")
        config.shadow = ShadowServing(
            version: ServedVersion(id: 4, version: "1.3.0"),
            policy: ForecastPolicy(frequency: .day, horizon: 14, model: config.model, intervalLevel: 0.8))
        config.selection = [.all: config.model]
        config.calibrationBacktestID = 7
        config.attributes = ["item.brand"]
        config.minLandedShare = 0.4
        config.acceptEmptyPeriod = true
        config.statementTimeouts = StatementTimeouts()
        func keys(_ json: String) throws -> [String] {
            (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]).map { Array($0.keys) } ?? []
        }
        let whole = try keys(RecipeTests.json(config))
        let parts = try config.partsJSON()
        let placed = try keys(parts.recipe) + keys(parts.checks) + keys(parts.operations)
        #expect(placed.sorted() == whole.sorted())
        #expect(Set(placed).count == placed.count)
        // The shadow's part of the recipe is its version; its policy follows from the version.
        #expect(parts.recipe.contains(#""shadow":{"id":4,"version":"1.3.0"}"#), "\(parts.recipe)")
    }
}

/// Selections are keyed by a type now; stored ones (runs' configs, versions' policies) read and
/// write the same JSON as when the keys were strings.
struct SelectionSegmentTests {
    @Test func typedKeysKeepTheStoredJSON() throws {
        let naive = ModelSpec(kind: .naive, seasonLength: 7, window: 28)
        let ets = ModelSpec(kind: .autoETS, seasonLength: 7, window: 28, transform: .log1p)
        let untyped: [String: ModelSpec] = ["all": naive, "fast": ets, "intermittent": naive]
        let typed: [SelectionSegment: ModelSpec] = [.all: naive, .fast: ets, .intermittent: naive]
        let stored = try JSONEncoder.sorted.encode(untyped)
        #expect(try JSONEncoder.sorted.encode(typed) == stored)
        #expect(try JSONDecoder().decode([SelectionSegment: ModelSpec].self, from: stored) == typed)
        // A segment that is not a demand class or `all` is refused, not dropped.
        let odd = try JSONEncoder.sorted.encode(["all": naive, "fats": ets])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([SelectionSegment: ModelSpec].self, from: odd) }
        // Names sort as the strings did (the version string lists them in this order).
        #expect(SelectionSegment.allCases.sorted().map(\.rawValue) == ["all", "fast", "intermittent", "new", "slow"])
        #expect(DemandClass.allCases.map { SelectionSegment($0).rawValue } == DemandClass.allCases.map(\.rawValue))
    }
}
