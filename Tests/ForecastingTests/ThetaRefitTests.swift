import Foundation
import Testing

@testable import Forecasting

/// AutoTheta's warm-started refits (backtest folds) against cold fits on the Theta fixtures.
struct ThetaRefitTests {
    struct Document: Decodable { let series: [String: [Double]] }

    static func series() throws -> [(String, [Double])] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/theta_reference.json")
        let doc = try JSONDecoder().decode(Document.self, from: Data(contentsOf: url))
        return doc.series.sorted { $0.key < $1.key }.filter { $0.value.count > 60 }.map { ($0.key, $0.value) }
    }

    @Test func refitsMatchColdFitsAndKeepTheVariantWhenAsked() throws {
        let auto = try AutoTheta(seasonLength: 7)
        let all = try Self.series()
        #expect(!all.isEmpty)
        for (name, y) in all {
            let earlier = try #require(try auto.fit(Array(y.dropLast(14))) as? AutoTheta.Fitted)
            #expect(earlier.estimates.count == 4)
            let cold = try #require(try auto.fit(y) as? AutoTheta.Fitted)
            let kept = try #require(try auto.refit(y, after: earlier, keepStructure: true, sameOrigin: true) as? AutoTheta.Fitted)
            #expect(kept.recursion.variant == earlier.recursion.variant, "\(name)")
            #expect(kept.estimates.count == 1)
            let reselected = try #require(try auto.refit(y, after: earlier, keepStructure: false, sameOrigin: true) as? AutoTheta.Fitted)
            #expect(reselected.estimates.count == 4)
            // Same criterion from a better start: forecasts agree with the cold search.
            let scale = y.map(abs).reduce(0, +) / Double(y.count)
            let a = try reselected.predict(horizon: 14, level: 0.8).mean, b = try cold.predict(horizon: 14, level: 0.8).mean
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 0.03 * scale }, "\(name): warm \(a.prefix(3)) cold \(b.prefix(3))")
        }
    }

    @Test func refitAfterAnotherModelIsAFullFit() throws {
        let auto = try AutoTheta(seasonLength: 7)
        let (_, y) = try #require(try Self.series().first)
        let refit = try auto.refit(y, after: try Naive().fit(y), keepStructure: true, sameOrigin: true)
        let cold = try auto.fit(y)
        #expect(refit.modelName == cold.modelName)
        #expect(try refit.predict(horizon: 7, level: 0.8).mean == cold.predict(horizon: 7, level: 0.8).mean)
    }
}
