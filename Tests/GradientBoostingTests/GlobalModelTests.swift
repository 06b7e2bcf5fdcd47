import Foundation
import Testing

@testable import Forecasting
@testable import GradientBoosting

struct GlobalModelTests {
    /// 40 daily series with a weekly pattern and different levels; the last 14 days are held out.
    static func catalogue(perturbFuture: Bool = false) -> [GlobalSeries] {
        var state: UInt64 = 3
        func u() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1.0p-53
        }
        let week = [0.7, 0.8, 0.9, 1.0, 1.2, 1.6, 0.8]
        return (0..<40).map { k in
            let level = 2 + Double(k % 10) * 3
            var values = (0..<200).map { t in (level * week[(t + 3) % 7] * (0.8 + 0.4 * u())).rounded() }
            if perturbFuture { for t in 186..<200 { values[t] = 1_000 } }
            return GlobalSeries(
                id: k, values: values, censored: [Bool](repeating: false, count: 200),
                startDay: 20_000, category: k % 3, region: k % 2)
        }
    }

    static let calendar = CalendarFacts(rows: [(day: 20_100, holiday: true, event: "x")])

    @Test func beatsSeasonalNaiveAndIsDeterministic() throws {
        let series = Self.catalogue()
        var model = GlobalBoostedModel(horizon: 14)
        model.rounds = 80
        let cutoff = 185
        let trained = try model.train(series, cutoffIndex: { _ in cutoff }, calendar: Self.calendar)
        #expect(trained.trainingRows == 40 * 6 * 14)
        var oursErr = 0.0, snErr = 0.0, total = 0.0
        for s in series {
            let f = try trained.forecast(s, origin: cutoff, level: 0.8)
            let sn = try SeasonalNaive(seasonLength: 7).forecast(Array(s.values[0...cutoff]), horizon: 14, level: 0.8)
            for h in 0..<14 {
                let y = s.values[cutoff + 1 + h]
                oursErr += abs(f.mean[h] - y)
                snErr += abs(sn.mean[h] - y)
                total += y
                #expect(f.lower[h] <= f.mean[h] && f.mean[h] <= f.upper[h])
            }
        }
        #expect(oursErr < 0.85 * snErr, "WAPE \(oursErr / total) vs seasonal naive \(snErr / total)")
        let again = try model.train(series, cutoffIndex: { _ in cutoff }, calendar: Self.calendar)
        #expect(try again.serialized() == trained.serialized())
    }

    /// Histogram bins: XGBoost's 256 for small training sets, 64 from `coarseBinRows` rows on.
    @Test func largeTrainingSetsUseCoarserHistogramBins() {
        let model = GlobalBoostedModel(horizon: 3, frequency: .week)
        func bins(_ rows: Int) -> String? { model.parameters(rows: rows).first { $0.0 == "max_bin" }?.1 }
        #expect(bins(6_000) == "256")
        #expect(bins(GlobalBoostedModel.coarseBinRows - 1) == "256")
        #expect(bins(GlobalBoostedModel.coarseBinRows) == "64")
        #expect(bins(330_000) == "64")
    }

    /// The log objective: labels are log(1 + y) minus the series' recent log level, forecasts come
    /// back through exp - 1 (intervals too, so they stay around the median), the model is
    /// deterministic and a stored copy predicts the same.
    @Test func logObjectiveBeatsSeasonalNaiveAndRoundTrips() throws {
        let series = Self.catalogue()
        var model = GlobalBoostedModel(horizon: 14, objective: .logLevel)
        #expect(model.name == "XGBoost[log]" && model.rounds == 300 && BoostingObjective.logLevel.point == .median)
        model.rounds = 120
        let trained = try model.train(series, cutoffIndex: { _ in 185 }, calendar: Self.calendar)
        var oursErr = 0.0, snErr = 0.0
        for s in series {
            let f = try trained.forecast(s, origin: 185, level: 0.8)
            let sn = try SeasonalNaive(seasonLength: 7).forecast(Array(s.values[0...185]), horizon: 14, level: 0.8)
            for h in 0..<14 {
                oursErr += abs(f.mean[h] - s.values[186 + h])
                snErr += abs(sn.mean[h] - s.values[186 + h])
                #expect(f.lower[h] <= f.mean[h] && f.mean[h] <= f.upper[h] && f.lower[h] >= 0)
            }
        }
        #expect(oursErr < 0.85 * snErr, "\(oursErr) vs seasonal naive \(snErr)")
        let again = try model.train(series, cutoffIndex: { _ in 185 }, calendar: Self.calendar)
        #expect(try again.serialized() == trained.serialized())
        let encodings = trained.encodings(level: 0.8, categories: [], regions: [], locations: [], predictionOrigin: 20_185)
        #expect(encodings.objective == .logLevel)
        let restored = try GlobalBoostedModel.Trained(
            serialized: try trained.serialized(), encodings: encodings,
            calendar: [(day: 20_100, holiday: true, event: "x")])
        let a = try trained.forecast(series[7], origin: 185, level: 0.8), b = try restored.forecast(series[7], origin: 185, level: 0.8)
        #expect(a.mean == b.mean)
        for h in 0..<14 { #expect(abs(a.upper[h] - b.upper[h]) < 1e-6 * max(1, a.upper[h])) }
    }

    @Test func nothingAfterTheCutoffReachesTheModel() throws {
        var model = GlobalBoostedModel(horizon: 14)
        model.rounds = 30
        let a = try model.train(Self.catalogue(), cutoffIndex: { _ in 185 }, calendar: Self.calendar)
        let b = try model.train(Self.catalogue(perturbFuture: true), cutoffIndex: { _ in 185 }, calendar: Self.calendar)
        #expect(try a.serialized() == b.serialized())
        let s = Self.catalogue()[3], t = Self.catalogue(perturbFuture: true)[3]
        #expect(try a.forecast(s, origin: 185, level: 0.8) == b.forecast(t, origin: 185, level: 0.8))
    }

    @Test func featureRowsFollowTheSpec() {
        let s = Self.catalogue()[0]
        let builder = FeatureBuilder(calendar: Self.calendar)
        let row = builder.row(s, origin: 99, horizon: 1, scale: 2)
        let names = builder.spec.names
        #expect(row.count == names.count)
        #expect(row[0] == 1)
        #expect(row[1] == Float(s.values[99] / 2))
        #expect(row[names.firstIndex(of: "is_holiday")!] == 1)  // day 20_000 + 99 + 1 is the holiday
        #expect(Set(names).count == names.count)
    }

    /// Extra attributes are the last columns, in the configured order (NaN: missing), and a stored
    /// model restores them: the same forecasts after a round trip through its bytes and encodings.
    @Test func attributesAreTheLastColumnsAndSurviveARoundTrip() throws {
        let series = Self.catalogue().map { s -> GlobalSeries in
            var s = s
            s.attributes = s.id % 4 == 3 ? [Float(s.id % 2)] : [Float(1000 + 10 * s.id), Float(s.id % 2)]
            return s
        }
        let builder = FeatureBuilder(calendar: Self.calendar, attributes: ["location.sqft", "location.kind"])
        #expect(Array(builder.spec.names.suffix(2)) == ["location.sqft", "location.kind"])
        #expect(builder.spec.features.last?.source == "demand.locations.attributes (SCD2)")
        let row = builder.row(series[0], origin: 99, horizon: 1, scale: 2)
        #expect(row.count == builder.columnCount && Array(row.suffix(2)) == [1000, 0])
        #expect(builder.row(series[3], origin: 99, horizon: 1, scale: 2).last!.isNaN)  // only one of two values
        var model = GlobalBoostedModel(horizon: 7)
        model.rounds = 20
        let trained = try model.train(
            series, cutoffIndex: { _ in 185 }, calendar: Self.calendar,
            attributes: ["location.sqft", "location.kind"])
        let encodings = trained.encodings(
            level: 0.8, categories: [], regions: [], locations: [],
            attributeCodes: ["location.kind": ["mall", "street"]], predictionOrigin: 20_185)
        #expect(encodings.attributes == ["location.sqft", "location.kind"])
        #expect(Array(encodings.features.suffix(2)) == ["location.sqft", "location.kind"])
        let restored = try GlobalBoostedModel.Trained(
            serialized: try trained.serialized(), encodings: encodings,
            calendar: [(day: 20_100, holiday: true, event: "x")])
        #expect(try restored.forecast(series[5], origin: 185, level: 0.8).mean == trained.forecast(series[5], origin: 185, level: 0.8).mean)
    }
}

struct PlannedInputTests {
    @Test func onlyWhatWasKnownAtTheOriginReachesAFeatureRow() {
        let start = 20_000
        let announcedEarly = PlannedInputs.endOfDay(start + 5)  // known when day 5 closed
        let announcedLate = PlannedInputs.endOfDay(start + 12)  // known only after day 12
        let planned = PlannedInputs(
            promotions: [
                .init(day: start + 11, intensity: 0.4, type: "discount", knownAt: announcedEarly),
                .init(day: start + 13, intensity: 0.5, type: "display", knownAt: announcedLate),
            ],
            prices: [
                .init(day: start, price: 10, knownAt: 0), .init(day: start + 12, price: 8, knownAt: announcedEarly),
                .init(day: start + 14, price: 5, knownAt: announcedLate),
            ])
        let s = GlobalSeries(
            id: 1, values: [Double](repeating: 4, count: 30), censored: [Bool](repeating: false, count: 30),
            startDay: start, category: 0, region: 0, planned: planned)
        let builder = FeatureBuilder(calendar: CalendarFacts(days: [:]), promoTypes: FeatureBuilder.promoTypes([s]))
        let column = Dictionary(uniqueKeysWithValues: builder.spec.names.enumerated().map { ($1, $0) })
        // Origin day 10: the day-11 promotion is known, the day-13 one is not.
        let known = builder.row(s, origin: 10, horizon: 1, scale: 4)
        #expect(known[column["promo_any"]!] == 0.4)
        #expect(known[column["promo_discount"]!] == 0.4)  // every promotion type is a column of its own
        #expect(known[column["promo_display"]!] == 0)
        let unknown = builder.row(s, origin: 10, horizon: 3, scale: 4)
        #expect(unknown[column["promo_any"]!] == 0)
        #expect(unknown[column["promo_display"]!] == 0)
        // Prices: on day 14 the 5.00 price is not known at origin 10; 8.00 (from day 12) is, against a 10.00 history.
        let price = builder.row(s, origin: 10, horizon: 4, scale: 4)
        #expect(price[column["price_ratio"]!] == 0.8)
        // From origin 12 on, the late announcements are known.
        #expect(builder.row(s, origin: 12, horizon: 1, scale: 4)[column["promo_display"]!] == 0.5)
        #expect(builder.row(s, origin: 12, horizon: 2, scale: 4)[column["price_ratio"]!] < 0.8)
    }

    @Test func categoryPriceRatioComparesWithCompetingItemsAsKnownAtTheOrigin() {
        let start = 20_000
        func series(_ id: Int, price: Double, location: Int) -> GlobalSeries {
            GlobalSeries(
                id: id, values: [Double](repeating: 1, count: 30), censored: [Bool](repeating: false, count: 30),
                startDay: start, category: 0, region: 0, location: location,
                planned: PlannedInputs(promotions: [], prices: [.init(day: start, price: price, knownAt: 0)]))
        }
        let group = [series(1, price: 10, location: 0), series(2, price: 20, location: 0), series(3, price: 90, location: 1)]
        var builder = FeatureBuilder(calendar: CalendarFacts(days: [:]))
        builder.categoryPrices = CategoryPrices.build(group, origins: [start + 10], horizon: 3)
        let column = builder.spec.names.firstIndex(of: "category_price_ratio")!
        let cheapest = builder.spec.names.firstIndex(of: "cheapest_competitor_ratio")!
        // Same category, same location: average of 10 and 20 = 15; the other location's 90 does not count.
        #expect(builder.row(group[0], origin: 10, horizon: 2, scale: 1)[column] == Float(10.0 / 15.0))
        #expect(builder.row(group[2], origin: 10, horizon: 2, scale: 1)[column] == 1)
        // The cheapest other item at the same location: 20 for item 1, 10 for item 2; none for item 3.
        #expect(builder.row(group[0], origin: 10, horizon: 2, scale: 1)[cheapest] == 0.5)
        #expect(builder.row(group[1], origin: 10, horizon: 2, scale: 1)[cheapest] == 2)
        #expect(builder.row(group[2], origin: 10, horizon: 2, scale: 1)[cheapest].isNaN)
        // An origin whose knowledge was not prepared has no value (missing), never a guess.
        #expect(builder.row(group[0], origin: 11, horizon: 2, scale: 1)[column].isNaN)
    }

    /// Stored as columns in key order; the earlier form (one object per "c|l|day|origin" key), which
    /// models stored before still carry, decodes to the same table.
    @Test func categoryPricesRoundTripAndReadTheEarlierForm() throws {
        var prices = CategoryPrices()
        let planned = PlannedInputs(promotions: [], prices: [.init(day: 20_100, price: 4, knownAt: 0)])
        prices.add(planned, category: 1, location: 2, owner: 7, originDay: 20_099, targetDays: [20_100, 20_101])
        prices.add(
            PlannedInputs(promotions: [], prices: [.init(day: 20_100, price: 3, knownAt: 0)]), category: 1, location: 2, owner: 8,
            originDay: 20_099, targetDays: [20_101])
        let text = String(decoding: try JSONEncoder.sortedForTests.encode(prices), as: UTF8.self)
        #expect(
            text
                == #"{"category":[1,1],"count":[1,2],"day":[20100,20101],"location":[2,2],"lowest":[4,3],"lowestOwner":[7,8],"origin":[20099,20099],"second":[null,4],"sum":[4,7]}"#
        )
        #expect(try JSONDecoder().decode(CategoryPrices.self, from: Data(text.utf8)) == prices)
        let earlier =
            #"{"table": {"1|2|20100|20099": {"sum": 4, "count": 1, "lowest": 4, "lowestOwner": 7}, "#
            + #""1|2|20101|20099": {"sum": 7, "count": 2, "lowest": 3, "second": 4, "lowestOwner": 8}}}"#
        #expect(try JSONDecoder().decode(CategoryPrices.self, from: Data(earlier.utf8)) == prices)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(CategoryPrices.self, from: Data(#"{"table": {"1|2": {"sum": 1, "count": 1, "lowestOwner": 1}}}"#.utf8))
        }
    }
}

/// The global model on weekly series: windows in weeks, drivers per week, nothing unknown at the origin.
struct WeeklyGlobalModelTests {
    static let monday = 20_000 - ((20_000 + 3) % 7)  // a Monday (unix day)

    /// 60 weekly series whose demand doubles in promoted weeks (a deal and a display may share a week)
    /// and falls with price; promotions announced 21 days ahead.
    static func catalogue(lateAnnouncement: Bool = false) -> [GlobalSeries] {
        var state: UInt64 = 11
        func u() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1.0p-53
        }
        return (0..<60).map { k in
            let base = 20 + Double(k % 6) * 10
            var promotions: [PlannedInputs.Promotion] = [], prices: [PlannedInputs.Price] = []
            var values: [Double] = []
            for t in 0..<110 {
                let day = monday + 7 * t
                let announced = PlannedInputs.endOfDay(day - (lateAnnouncement && t >= 100 ? 0 : 21))
                let deal = (t + k) % 5 == 0, display = (t + k) % 7 == 0
                let price = deal ? 8.0 : 10.0
                prices.append(.init(day: day, price: price, knownAt: announced))
                if deal { promotions.append(.init(day: day + 2, intensity: 0.3, type: "deal", knownAt: announced)) }
                if display { promotions.append(.init(day: day, intensity: 1, type: "display", knownAt: announced)) }
                values.append((base * (deal ? 2 : 1) * (display ? 1.5 : 1) * (0.9 + 0.2 * u())).rounded())
            }
            return GlobalSeries(
                id: k, values: values, censored: [Bool](repeating: false, count: 110), startDay: monday,
                category: 0, region: k % 2, location: k % 3, planned: PlannedInputs(promotions: promotions, prices: prices),
                frequency: .week)
        }
    }

    @Test func weeklyFeaturesCountWeeksAndSeeEveryPromotionOfTheWeek() {
        let s = Self.catalogue()[0]
        let builder = FeatureBuilder(calendar: CalendarFacts(days: [:]), frequency: .week, promoTypes: ["deal", "display"])
        let c = Dictionary(uniqueKeysWithValues: builder.spec.names.enumerated().map { ($1, $0) })
        // Week 35 (k = 0): deal (35 % 5 == 0) and display (35 % 7 == 0) in the same week; the deal is dated Wednesday.
        let row = builder.row(s, origin: 33, horizon: 2, scale: 1)
        #expect(row[c["promo_deal"]!] == 0.3)
        #expect(row[c["promo_display"]!] == 1)
        #expect(row[c["promo_any"]!] == 1)
        #expect(row[c["lag_4"]!] == Float(s.values[30]))
        #expect(row[c["mean_short"]!] == Float(s.values[30...33].reduce(0, +) / 4))
        #expect(row[c["day_of_week"]!] == 1)  // weeks are dated by their Monday
        #expect(abs(row[c["discount_depth"]!] - 0.2) < 1e-6)  // 8.00 against a regular 10.00
        #expect(abs(row[c["price_change"]!] - 0.8) < 1e-6)
        #expect(builder.spec.features.first { $0.name == "mean_long" }!.formula.contains("t-12"))
    }

    @Test func learnsPromotionsAndBeatsSeasonalNaiveOnWeeks() throws {
        let series = Self.catalogue()
        var model = GlobalBoostedModel(horizon: 3, frequency: .week)
        model.rounds = 60
        let cutoff = 100
        let trained = try model.train(series, cutoffIndex: { _ in cutoff }, calendar: CalendarFacts(days: [:]))
        var ours = 0.0, naive = 0.0
        for s in series {
            let f = try trained.forecast(s, origin: cutoff, level: 0.8)
            for h in 0..<3 {
                ours += abs(f.mean[h] - s.values[cutoff + 1 + h])
                naive += abs(s.values[cutoff] - s.values[cutoff + 1 + h])
            }
        }
        #expect(ours < 0.5 * naive, "MAE sum \(ours) vs naive \(naive)")
    }

    @Test func aPromotionAnnouncedAfterTheOriginChangesNothing() throws {
        var model = GlobalBoostedModel(horizon: 3, frequency: .week, objective: .absoluteError)
        model.rounds = 20
        // Same data; in the second catalogue the promotions of weeks >= 100 are announced only on their own day.
        let a = try model.train(Self.catalogue(), cutoffIndex: { _ in 96 }, calendar: CalendarFacts(days: [:]))
        let b = try model.train(Self.catalogue(lateAnnouncement: true), cutoffIndex: { _ in 96 }, calendar: CalendarFacts(days: [:]))
        #expect(try a.serialized() == b.serialized())
        let early = try a.forecast(Self.catalogue()[0], origin: 99, level: 0.8)
        let late = try b.forecast(Self.catalogue(lateAnnouncement: true)[0], origin: 99, level: 0.8)
        #expect(early != late)  // week 100's deal was known 21 days ahead in one world and not at all in the other
        let builder = FeatureBuilder(calendar: CalendarFacts(days: [:]), frequency: .week, promoTypes: ["deal", "display"])
        let row = builder.row(Self.catalogue(lateAnnouncement: true)[0], origin: 99, horizon: 1, scale: 1)
        #expect(row[builder.spec.names.firstIndex(of: "promo_any")!] == 0)  // week 100 (a deal week for k = 0) unknown at week 99
    }
}

extension JSONEncoder {
    static var sortedForTests: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        return e
    }
}
