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

    /// One catalogue of names (issue 31, item 3): every spelling parses and writes itself back, and
    /// the name the tables show (`XGBoost[log]`, `AutoETS[log1p]`, a combination's members) reads
    /// as the same model; near misses (another case, a combining mark, a control character) do not.
    @Test func everySpellingAndEveryShownNameReadsAsItsModel() throws {
        func spec(_ text: String) throws -> ModelSpec { try ModelSpec(parsing: text, seasonLength: 52, window: 4) }
        #expect(ModelSpec.spellings.count == 28 && Set(ModelSpec.spellings).count == 28)
        #expect(ModelSpec.spellings.contains("xgboost:log") && ModelSpec.spellings.contains("auto_theta:log1p"))
        for spelling in ModelSpec.spellings {
            let parsed = try spec(spelling)
            #expect(parsed.argument == spelling)
            let shown = try parsed.primaryName().text
            #expect(try spec(shown) == parsed, "\(spelling) shown as \(shown)")
        }
        #expect(try spec("XGBoost[log,depth]").argument == "xgboost:log_depth")
        #expect(try spec("SeasonalNaive(52)").kind == .seasonalNaive)
        #expect(try spec(" AutoETS[log1p] ").argument == "auto_ets:log1p")
        let three = "Combination[XGBoost[log]+XGBoost[log,depth]+PriceRegression]"
        #expect(try spec(three).argument == "combination:xgboost:log+xgboost:log_depth+price_regression")
        #expect(try spec("Combination").argument == "combination")
        for bad in [
            "xgboost[log]", "XGBOOST", "XGBoost[log]\u{301}", "X\u{7}GBoost", "SeasonalNaive(7)",
            "Combination[XGBoost[log]]", "Combination[PriceRegression+XGBoost[log]]", "Combination[XGBoost[log]+Bogus]", "",
        ] {
            #expect(throws: PipelineError.self, "\(bad)") { try spec(bad) }
        }
        do {
            _ = try spec("XGBoost[log]]")
            Issue.record("a near miss was read")
        } catch let error as PipelineError {
            #expect("\(error)".contains("xgboost (also :l1, :log, :log_depth, :log_cat)"), "\(error)")
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
