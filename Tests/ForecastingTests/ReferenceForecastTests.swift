import Foundation
import Testing

@testable import Forecasting

/// Point forecasts against statsforecast on committed fixtures
/// (Fixtures/reference_forecasts.json, made by Fixtures/make_fixtures.py; library version,
/// series and tolerance are recorded in the file).
struct ReferenceForecastTests {
    struct Case: Decodable {
        let series: String
        let model: String
        let horizon: Int
        let mean: [Double]
    }

    struct Document: Decodable {
        let library: String
        let series: [String: [Double]]
        let cases: [Case]
    }

    static let document: Document = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/reference_forecasts.json")
        do {
            return try JSONDecoder().decode(Document.self, from: Data(contentsOf: url))
        } catch {
            return Document(library: "missing fixture: \(error)", series: [:], cases: [])
        }
    }()

    static func model(_ name: String) throws -> any ForecastModel {
        switch name {
        case "Naive": return Naive()
        case "SeasonalNaive(7)": return try SeasonalNaive(seasonLength: 7)
        case "MovingAverage(14)": return try MovingAverage(window: 14)
        case "SES(0.3)": return try SimpleExponentialSmoothing(alpha: 0.3)
        case "CrostonClassic": return Croston(variant: .classic)
        case "CrostonSBA": return Croston(variant: .sba)
        case "TSB(0.2,0.1)": return try TSB(alphaD: 0.2, alphaP: 0.1)
        default: throw ForecastError.invalidParameter(model: name, message: "no such model in the fixture map")
        }
    }

    @Test func fixtureIsPresentAndComplete() {
        #expect(Self.document.library.hasPrefix("statsforecast "))
        #expect(Self.document.cases.count == 35)
    }

    @Test(arguments: 0..<35)
    func matchesStatsforecast(_ index: Int) throws {
        let c = try #require(Self.document.cases.count > index ? Self.document.cases[index] : nil)
        let y = try #require(Self.document.series[c.series])
        let ours = try Self.model(c.model).forecast(y, horizon: c.horizon, level: 0.8).mean
        #expect(ours.count == c.mean.count)
        for (a, b) in zip(ours, c.mean) {
            #expect(abs(a - b) <= 1e-9 + 1e-9 * abs(b), "\(c.model) on \(c.series): \(ours) vs \(c.mean)")
        }
    }
}
