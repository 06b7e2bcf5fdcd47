import Testing

@testable import Pipeline

/// How models and attributes are named on the command line and in stored configurations.
struct ModelSpecTests {
    /// `combination:<members>` (issue 28, item 3): the members are parsed into one order, the
    /// default members keep the plain name, and what cannot be a log-scale member is refused.
    @Test func combinationMembersAreNamedAndChecked() throws {
        func spec(_ text: String) throws -> ModelSpec { try ModelSpec(parsing: text, seasonLength: 52, window: 4) }
        #expect(try spec("combination:price_regression+xgboost:log") == spec("combination"))
        #expect(try spec("combination:price_regression+xgboost:log").argument == "combination")
        let three = try spec("combination:price_regression+xgboost:log_depth+xgboost:log")
        #expect(three.argument == "combination:xgboost:log+xgboost:log_depth+price_regression")
        #expect(try spec(three.argument) == three)
        #expect(try three.primaryName() == "Combination[XGBoost[log]+XGBoost[log,depth]+PriceRegression]")
        #expect(three.globalMembers.map(\.argument) == ["xgboost:log", "xgboost:log_depth"] && three.fitsOnPlannedHistory)
        for bad in [
            "combination:xgboost:log", "combination:xgboost:log+xgboost:log", "combination:price_regression",
            "combination:xgboost+price_regression", "combination:auto_ets+xgboost:log", "combination:bogus+xgboost:log",
            "combination:xgboost:log+", "combination:combination+xgboost:log",
        ] {
            #expect(throws: PipelineError.self, "\(bad)") { try spec(bad) }
        }
    }

    @Test func badAttributeNamesAreRefused() throws {
        #expect(throws: PipelineError.self) { try SeriesAttributes.validate(["store.sqft"]) }
        #expect(throws: PipelineError.self) { try SeriesAttributes.validate(["item.pack", "item.pack"]) }
        try SeriesAttributes.validate(["item.pack", "location.sqft"])
        let values = try SeriesAttributes.parse(#"{"location.sqft": 1200, "location.kind": "mall", "item.new": true, "item.x": null}"#)
        let names = ["location.sqft", "location.kind", "item.new", "item.x", "item.absent"]
        let encoded = SeriesAttributes.encode(values, names: names, codes: ["location.kind": ["mall", "street"]])
        #expect(Array(encoded.prefix(3)) == [1200, 0, 1])
        #expect(encoded[3].isNaN && encoded[4].isNaN)
        #expect(SeriesAttributes.encode(["location.kind": .string("kiosk")], names: ["location.kind"], codes: ["location.kind": ["mall"]]) == [-1])
    }
}
