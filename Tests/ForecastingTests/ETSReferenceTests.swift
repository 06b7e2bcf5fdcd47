import Foundation
import Testing

@testable import Forecasting

/// ETS against statsforecast's AutoETS on committed fixtures (Fixtures/ets_reference.json, made by
/// Fixtures/make_ets_fixtures.py). Both fit by Nelder–Mead from the same starting values; the
/// optimisers differ in detail, so forecasts are compared within 2% of the series' mean level.
struct ETSReferenceTests {
    struct Auto: Decodable {
        let series: String
        let method: String
        let aicc: Double
        let mean: [Double]
    }
    struct Fixed: Decodable {
        let series: String
        let model: String
        let damped: Bool
        let method: String
        let aicc: Double
        let mean: [Double]
    }
    struct Document: Decodable {
        let library: String
        let series: [String: [Double]]
        let auto: [Auto]
        let fixed: [Fixed]
    }

    static let document: Document? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/ets_reference.json")
        return try? JSONDecoder().decode(Document.self, from: Data(contentsOf: url))
    }()

    static func scale(_ y: [Double]) -> Double { y.map(abs).reduce(0, +) / Double(y.count) }

    @Test(arguments: 0..<8)
    func fixedStructureMatches(_ index: Int) throws {
        let doc = try #require(Self.document)
        let c = doc.fixed[index]
        let y = try #require(doc.series[c.series])
        var code = c.model
        if c.damped { code.insert("d", at: code.index(code.startIndex, offsetBy: 2)) }
        let spec = try #require(ETSSpec(code: code))
        let fit = try #require(try ETS(spec, seasonLength: 7).fit(y) as? ETSFit)
        #expect(fit.modelName == c.method)
        let mean = try fit.predict(horizon: c.mean.count, level: 0.8).mean
        let tolerance = 0.02 * Self.scale(y)
        let worst = zip(mean, c.mean).map { abs($0 - $1) }.max() ?? .infinity
        #expect(
            worst <= tolerance,
            "\(c.method) on \(c.series): worst gap \(worst) > \(tolerance); ours \(mean.prefix(3)) theirs \(c.mean.prefix(3)); AICc \(fit.aicc) vs \(c.aicc)")
        #expect(abs(fit.aicc - c.aicc) <= 2, "AICc \(fit.aicc) vs \(c.aicc)")
    }

    @Test func autoETSChoosesTheSameModelOnMostSeries() throws {
        let doc = try #require(Self.document)
        var same = 0
        var report: [String] = []
        for c in doc.auto {
            let y = try #require(doc.series[c.series])
            let fit = try AutoETS(seasonLength: 7).fit(y)
            if fit.modelName == c.method { same += 1 }
            report.append("\(c.series): ours \(fit.modelName), theirs \(c.method)")
            let mean = try fit.predict(horizon: c.mean.count, level: 0.8).mean
            if fit.modelName == c.method {
                let worst = zip(mean, c.mean).map { abs($0 - $1) }.max() ?? .infinity
                #expect(worst <= 0.02 * Self.scale(y), "\(c.series): worst gap \(worst)")
            }
        }
        #expect(same * 4 >= doc.auto.count * 3, "\(report.joined(separator: "; "))")
    }
}
