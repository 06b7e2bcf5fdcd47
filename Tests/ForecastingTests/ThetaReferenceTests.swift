import Foundation
import Testing

@testable import Forecasting

/// Theta against statsforecast on committed fixtures (Fixtures/theta_reference.json, made by
/// Fixtures/make_theta_fixtures.py).
struct ThetaReferenceTests {
    struct Fixed: Decodable {
        let series: String
        let variant: String
        let level0: Double
        let alpha: Double
        let theta: Double
        let mse: Double
        let mean: [Double]
    }
    struct Auto: Decodable {
        let series: String
        let mean: [Double]
    }
    struct Document: Decodable {
        let series: [String: [Double]]
        let fixed: [Fixed]
        let auto: [Auto]
    }

    static let document: Document? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/theta_reference.json")
        return try? JSONDecoder().decode(Document.self, from: Data(contentsOf: url))
    }()

    @Test(arguments: 0..<12)
    func recursionsMatchWithFixedParameters(_ index: Int) throws {
        let doc = try #require(Self.document)
        let c = doc.fixed[index]
        let y = try #require(doc.series[c.series])
        let variant = try #require(ThetaRecursion.Variant(rawValue: c.variant))
        let r = ThetaRecursion(variant: variant, alpha: c.alpha, theta: c.theta)
        let run = r.run(y, level0: c.level0)
        let mean = r.forecast(from: run.last, n: y.count, horizon: c.mean.count)
        for (a, b) in zip(mean, c.mean) {
            #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(c.variant) on \(c.series): \(mean.prefix(3)) vs \(c.mean.prefix(3))")
        }
        #expect(abs(run.mse - c.mse) <= 1e-9 * max(1, abs(c.mse)), "mse \(run.mse) vs \(c.mse)")
    }

    @Test(arguments: 0..<4)
    func autoThetaMatches(_ index: Int) throws {
        let doc = try #require(Self.document)
        let c = doc.auto[index]
        let y = try #require(doc.series[c.series])
        let mean = try AutoTheta(seasonLength: 7).forecast(y, horizon: c.mean.count, level: 0.8).mean
        let scale = y.map(abs).reduce(0, +) / Double(y.count)
        let worst = zip(mean, c.mean).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 0.02 * scale, "\(c.series): worst gap \(worst); ours \(mean.prefix(3)) theirs \(c.mean.prefix(3))")
    }
}
