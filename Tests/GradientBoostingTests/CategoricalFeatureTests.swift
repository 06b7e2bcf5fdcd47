import Foundation
import Testing

@testable import Forecasting
@testable import GradientBoosting

/// Issue 28, item 3: the categorical booster (`xgboost:log_cat`): its rows are the long-memory
/// rows plus the item and the location, typed categorical for XGBoost; what the rows hold comes
/// from the history up to the origin and the codes fixed at the cutoff only.
struct CategoricalFeatureTests {
    static func series(_ values: [Double], item: Int, location: Int) -> GlobalSeries {
        GlobalSeries(
            id: 1, values: values, censored: [Bool](repeating: false, count: values.count), startDay: 20_000,
            category: 0, region: 0, location: location, item: item, frequency: .day)
    }

    @Test func theRowsAreTheLongMemoryRowsWithTheItemAndTheLocation() {
        let y = LevelFeatureTests.values(300)
        let plain = FeatureBuilder(calendar: CalendarFacts(days: [:]))
        let categorical = FeatureBuilder(calendar: CalendarFacts(days: [:]), featureSet: .categorical)
        #expect(categorical.columnCount == plain.columnCount + 2 && categorical.spec.names.count == categorical.columnCount)
        #expect(Array(categorical.spec.names.suffix(2)) == ["item", "location"])
        #expect(categorical.spec.featureTypes == [String](repeating: "q", count: plain.columnCount) + ["c", "c"])
        #expect(plain.spec.featureTypes.allSatisfy { $0 == "q" })
        for h in [1, 7, 28] {
            let row = categorical.row(Self.series(y, item: 5, location: 2), origin: 250, horizon: h, scale: 3)
            let base = plain.row(Self.series(y, item: 5, location: 2), origin: 250, horizon: h, scale: 3)
            #expect(Array(row.prefix(base.count)).map(\.bitPattern) == base.map(\.bitPattern))
            #expect(Array(row.suffix(2)) == [5, 2])
            // Unknown codes are missing, not a category of their own.
            let unknown = categorical.row(Self.series(y, item: -1, location: -1), origin: 250, horizon: h, scale: 3)
            #expect(unknown.suffix(2).allSatisfy { $0.isNaN })
            // Leakage: what follows the origin changes nothing.
            var later = y
            for t in 251..<300 { later[t] = 5_000 }
            #expect(
                categorical.row(Self.series(later, item: 5, location: 2), origin: 250, horizon: h, scale: 3).map(\.bitPattern)
                    == row.map(\.bitPattern))
        }
    }

    /// Items whose demand levels are scattered over their codes: the categorical booster trains on
    /// typed rows, stores its item codes, and a restored model forecasts exactly as trained.
    @Test func theCategoricalBoosterTrainsStoresAndRestores() throws {
        let series = GlobalModelTests.catalogue().enumerated().map { k, s in
            GlobalSeries(
                id: s.id, values: s.values, censored: s.censored, startDay: s.startDay, category: s.category, region: s.region,
                location: k % 4, item: (k * 7) % 40, frequency: .day)
        }
        var model = GlobalBoostedModel(horizon: 7, objective: .logCategorical)
        model.rounds = 30
        #expect(model.featureSet == .categorical && model.name == "XGBoost[log,cat]")
        let trained = try model.train(series, cutoffIndex: { _ in 185 }, calendar: GlobalModelTests.calendar)
        #expect(trained.parameters.contains { $0 == ("max_cat_to_onehot", "4") })
        let items = (0..<40).map { "item\($0)" }
        let encodings = trained.encodings(level: 0.8, categories: [], regions: [], locations: [], items: items, predictionOrigin: 20_185)
        #expect(encodings.featureSet == .categorical && encodings.items == items && encodings.features.suffix(2) == ["item", "location"])
        // The other boosters store no item codes.
        var plain = GlobalBoostedModel(horizon: 7, objective: .logLevel)
        plain.rounds = 5
        let other = try plain.train(series, cutoffIndex: { _ in 185 }, calendar: GlobalModelTests.calendar)
        #expect(other.encodings(level: 0.8, categories: [], regions: [], locations: [], items: items, predictionOrigin: 20_185).items == nil)
        let restored = try GlobalBoostedModel.Trained(
            serialized: try trained.serialized(), encodings: encodings,
            calendar: [(day: 20_100, holiday: true, event: "x")])
        for s in series.prefix(5) {
            #expect(try restored.forecast(s, origin: 185, level: 0.8).mean == trained.forecast(s, origin: 185, level: 0.8).mean)
        }
    }
}
