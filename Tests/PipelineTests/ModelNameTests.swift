import Foundation
import Testing

@testable import Pipeline

/// Model names are a type of their own now; what is stored (version metrics, selections,
/// calibrations) reads and writes the same JSON as when they were strings.
struct ModelNameTests {
    @Test func namesKeepTheirStoredJSON() throws {
        let coverage: [ModelName: Double?] = ["XGBoost[log]": 0.79, "Naive[fallback]": nil]
        let untyped: [String: Double?] = ["XGBoost[log]": 0.79, "Naive[fallback]": nil]
        #expect(try JSONEncoder.sorted.encode(coverage) == JSONEncoder.sorted.encode(untyped))
        #expect(try JSONDecoder().decode([ModelName: Double?].self, from: JSONEncoder.sorted.encode(untyped)) == coverage)
        let hostile: ModelName = "Combination[\"é́\u{7}\"]"
        #expect(try JSONDecoder().decode(ModelName.self, from: JSONEncoder.sorted.encode(hostile)) == hostile)
        #expect(String(decoding: try JSONEncoder.sorted.encode([ModelName.selected]), as: UTF8.self) == #"["Selected"]"#)
        // Ordered as the strings were (reports list models and selections in this order).
        #expect((["b", "Selected", "A"] as [ModelName]).sorted().map(\.text) == ["A", "Selected", "b"])
    }

    /// Segment kinds are the names `forecast.feature_profiles`, `drift_results` and the accuracy
    /// views store (`segment_kind`), and version metrics keep their JSON.
    @Test func segmentKindsAreTheStoredNames() throws {
        #expect(SegmentKind.allCases.map(\.rawValue) == ["all", "category", "region", "class", "horizon"])
        #expect(String(decoding: try JSONEncoder.sorted.encode([SegmentKind.demandClass]), as: UTF8.self) == #"["class"]"#)
        #expect(SegmentKind(postgresText: "class") == .demandClass && SegmentKind(postgresText: "Class") == nil)
        #expect(SegmentKind.all.scope("all") == "all" && SegmentKind.demandClass.scope("fast") == "class:fast")
        #expect(SegmentKind.region.describing("North") == "region North")
    }
}
