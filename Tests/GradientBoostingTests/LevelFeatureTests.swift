import Foundation
import Testing

@testable import Forecasting
@testable import GradientBoosting

/// Issue 28, item 1: the long-memory level features in log space and the robust level the log
/// objective's labels are relative to. Each is what its formula says, from the history up to the
/// origin only; artifacts trained with the earlier feature set keep their rows.
struct LevelFeatureTests {
    static func series(_ values: [Double], frequency: Frequency = .day) -> GlobalSeries {
        GlobalSeries(
            id: 1, values: values, censored: [Bool](repeating: false, count: values.count), startDay: 20_000,
            category: 0, region: 0, frequency: frequency)
    }

    static func values(_ n: Int, seed: UInt64 = 5) -> [Double] {
        var state = seed
        return (0..<n).map { t in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let spike = t % 17 == 0 ? 8.0 : 1.0  // promotion-like spikes
            return (Double(state >> 11) * 0x1.0p-53 * 10 * spike).rounded()
        }
    }

    static func median(_ x: [Double]) -> Double {
        let s = x.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    @Test(arguments: [Frequency.day, .week])
    func eachLevelColumnIsItsFormula(_ frequency: Frequency) {
        let y = Self.values(500)
        let s = Self.series(y, frequency: frequency)
        let builder = FeatureBuilder(calendar: CalendarFacts(days: [:]), frequency: frequency)
        let w = builder.windows
        let names = builder.spec.names
        #expect(names.count == builder.columnCount && Set(names).count == names.count)
        let column = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        for t in [3, 60, 400] {
            let row = builder.row(s, origin: t, horizon: 2, scale: 3)
            let logs = y[0...t].map { Foundation.log1p($0) }
            let level = Self.median(Array(logs.suffix(w.long)))
            #expect(abs(Double(row[column["log_level"]!]) - level) < 1e-5)
            for n in w.logWindows + [t + 1] {
                let suffix = n == t + 1 ? "all" : "\(n)"
                let window = Array(logs.suffix(n))
                let mean = window.reduce(0, +) / Double(window.count)
                #expect(abs(Double(row[column["log_mean_\(suffix)"]!]) - mean) < 1e-5, "log_mean_\(suffix) at \(t)")
                #expect(abs(Double(row[column["log_gap_\(suffix)"]!]) - (mean - level)) < 1e-5, "log_gap_\(suffix) at \(t)")
            }
            // The level the log objective's labels are relative to is log_level.
            #expect(abs(builder.levels(y, origin: t).level - level) < 1e-12)
        }
        #expect(frequency == .day ? w.logWindows == [28, 91, 365] : w.logWindows == [26, 52])
    }

    /// Leakage: nothing after the origin moves a level column (the whole row is the same), and a
    /// value at the origin does.
    @Test func onlyTheHistoryUpToTheOriginReachesTheLevels() {
        let y = Self.values(400)
        var later = y, atOrigin = y
        for t in 301..<400 { later[t] = 1_000 }
        atOrigin[300] += 50
        let builder = FeatureBuilder(calendar: CalendarFacts(days: [:]))
        let column = Dictionary(uniqueKeysWithValues: builder.spec.names.enumerated().map { ($1, $0) })
        let levelColumns = builder.spec.names.filter { $0.hasPrefix("log_mean_") || $0.hasPrefix("log_gap_") || $0 == "log_level" }
        #expect(levelColumns.count == 9)
        for h in [1, 14, 28] {
            let base = builder.row(Self.series(y), origin: 300, horizon: h, scale: 4)
            #expect(base.map(\.bitPattern) == builder.row(Self.series(later), origin: 300, horizon: h, scale: 4).map(\.bitPattern))
            let moved = builder.row(Self.series(atOrigin), origin: 300, horizon: h, scale: 4)
            #expect(levelColumns.filter { base[column[$0]!] != moved[column[$0]!] }.count >= 5)
        }
        // Running sums give the same levels as a direct pass over the history.
        let prefix = LogPrefix(y)
        for t in [0, 27, 28, 299] { #expect(builder.levels(y, origin: t, prefix: prefix) == builder.levels(y, origin: t)) }
    }

    /// An artifact stored before the long-memory features (no feature set in its encodings) is
    /// `base`: its rows and its log level are what they were when it was trained.
    @Test func theBaseFeatureSetKeepsTheEarlierRows() throws {
        let y = Self.values(200)
        let base = FeatureBuilder(calendar: CalendarFacts(days: [:]), featureSet: .base)
        #expect(base.columnCount == 29 && base.spec.names.count == 29 && !base.spec.names.contains("log_level"))
        #expect(base.row(Self.series(y), origin: 150, horizon: 3, scale: 2).count == 29)
        let shortMean = y[144...150].reduce(0) { $0 + Foundation.log1p($1) } / 7
        #expect(abs(base.levels(y, origin: 150).level - shortMean) < 1e-12)
        // A model trained on the base set restores with it and forecasts the same.
        let series = GlobalModelTests.catalogue()
        var model = GlobalBoostedModel(horizon: 7, objective: .logLevel)
        model.rounds = 20
        model.featureSet = .base
        let trained = try model.train(series, cutoffIndex: { _ in 185 }, calendar: GlobalModelTests.calendar)
        var encodings = trained.encodings(level: 0.8, categories: [], regions: [], locations: [], predictionOrigin: 20_185)
        #expect(encodings.featureSet == .base && encodings.features.count == 29)
        // As stored before feature sets existed: no such key.
        var object = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(encodings)) as? [String: Any])
        object["featureSet"] = nil
        encodings = try JSONDecoder().decode(GlobalBoostedModel.Encodings.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(encodings.featureSet == nil)
        let restored = try GlobalBoostedModel.Trained(
            serialized: try trained.serialized(), encodings: encodings,
            calendar: [(day: 20_100, holiday: true, event: "x")])
        #expect(try restored.forecast(series[4], origin: 185, level: 0.8).mean == trained.forecast(series[4], origin: 185, level: 0.8).mean)
    }
}
