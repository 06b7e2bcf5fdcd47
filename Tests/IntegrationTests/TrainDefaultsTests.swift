import Escaping
import Foundation
import Testing

@testable import Pipeline

extension Integration {
    /// `forecastctl train` with no --model and no --candidates (what the runbook's scheduled
    /// retrain runs): the per-class selection over the backtest's own default list, so the version
    /// it registers can serve the global model, the price regression and their combination when
    /// the backtest finds them best, and a run serving it does.
    @Suite struct TrainDefaults {
        @Test func theDefaultPolicyChoosesFromTheBacktestsModelsAndIsServed() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 12, locations: 3, days: 365)
            try db.moveLoads()
            let gate = try Registry.lenientGateFile()
            defer { try? FileManager.default.removeItem(at: gate) }
            let trained = try CLI.run(
                ["train", "--label", "default policy", "--horizon", "7", "--folds", "2", "--gate", gate.path, "--no-progress"],
                databaseURL: db.url)
            #expect(trained.status == 0, "\(trained.stderr)")
            #expect(trained.stdout.contains("policy      Selected{"), "\(trained.stdout)")
            let compared = try db.scalar(
                """
                SELECT string_agg(DISTINCT r.model_name, ';' ORDER BY r.model_name) FROM forecast.backtest_results r
                JOIN forecast.model_versions v ON v.backtest_id = r.backtest_id
                """, as: String.self)
            #expect(
                Set(compared.split(separator: ";").map(String.init)) == [
                    "AutoETS", "AutoTheta", "Combination", "Combination[XGBoost[log,depth]+XGBoost[log,cat]+PriceRegression]", "CrostonClassic",
                    "CrostonSBA", "Median(AutoETS,SES(0.1),SeasonalNaive(7),MovingAverage(28))", "MovingAverage(28)", "Naive", "PriceRegression",
                    "SES(0.1)", "SeasonalNaive(7)", "Selected", "TSB(0.1,0.1)", "XGBoost", "XGBoost[log]", "XGBoost[log,depth]", "XGBoost[log,cat]",
                ],
                "\(compared)")
            // The recipe a scheduled retrain repeats keeps the same list.
            let recorded = try db.scalar("SELECT jsonb_array_length(train_config -> 'recipe' -> 'candidates') FROM forecast.model_versions", as: Int.self)
            #expect(recorded == BacktestOptions.defaultModels.split(separator: ",").count)

            // Served: every row comes from a model the backtest served (or the naive fallback), and
            // the global model's artifact is stored with the version.
            let selection = try db.scalar("SELECT policy ->> 'selection' FROM forecast.model_versions", as: String.self)
            let promoted = try CLI.run(["promote", "1.0.0", "--to", "production", "--force", "--reason", "test"], databaseURL: db.url)
            #expect(promoted.status == 0, "\(promoted.stderr)")
            let served = try CLI.run(["run", "--cutoff", "2026-11-27", "--no-progress"], databaseURL: db.url)
            #expect(served.status == 0 && served.stdout.contains("model       1.0.0 (production)"), "\(served.stdout)\(served.stderr)")
            let names = try db.scalar("SELECT string_agg(DISTINCT model_name, ';') FROM forecast.latest", as: String.self)
            let known = Set(
                try db.scalar(
                    """
                    SELECT string_agg(DISTINCT r.served_model, ';') FROM forecast.backtest_results r
                    JOIN forecast.model_versions v ON v.backtest_id = r.backtest_id
                    """, as: String.self
                ).split(separator: ";").map(String.init) + ["Naive"])
            #expect(Set(names.split(separator: ";").map(String.init)).isSubset(of: known), "served \(names), selection \(selection)")
            if selection.contains("\"combination\"") { #expect(names.contains("Combination"), "\(names)") }
            #expect(
                selection.contains("\"xgboost\"") || selection.contains("\"combination\""),
                "on this catalogue (36 series, a year, prices and promotions) a global member wins some class: \(selection)")
            // The artifacts stored with the version are exactly the global models its policy serves.
            let version = try ModelRegistry.find("1.0.0", on: try db.connect())
            let globals = try version.policy.globalModels.map { try $0.primaryName().text }
            #expect(!globals.isEmpty)
            #expect(
                try db.scalar(
                    "SELECT string_agg(model_name, ',' ORDER BY model_name) FROM forecast.model_artifacts WHERE model_version_id IS NOT NULL",
                    as: String.self) == globals.sorted().joined(separator: ","))
            // The model card describes what every served model reads: the artifact's features, and
            // the price regression's inputs (fitted in each run, no artifact).
            let card = try CLI.run(["model-card", "1.0.0"], databaseURL: db.url)
            #expect(card.status == 0 && card.stdout.contains("Artifact **\(Escape.markdown(globals[0]))**"), "\(card.stdout)\(card.stderr)")
            // ... and which origins it learned from (a year of history: a year back only the newest
            // origin, 28 days after the first, with a long window before it, where the series is that old).
            // (Every text from the registry is Markdown-escaped: issue 29, finding 12.)
            #expect(
                card.stdout.contains("training rows from 36 series\\: 6 recent origins each\\, 27 a year back from 27 of them. Runs reuse it"), "\(card.stdout)"
            )
            let show = try CLI.run(["models", "show", "1.0.0"], databaseURL: db.url)
            #expect(
                show.status == 0 && show.stdout.contains("\(globals[0]) learned from 36 series: 6 recent origins each, 27 a year back from 27 of them"),
                "\(show.stdout)\(show.stderr)")
            // The candidates compared (booster settings and combinations of members among them), each
            // with its score and the classes whose choice it became.
            #expect(card.stdout.contains("## Candidates compared") && card.stdout.contains("| XGBoost\\[log\\,depth\\] | "), "\(card.stdout)")
            // Selected is not a candidate: its out-of-sample score is a line of its own.
            #expect(!card.stdout.contains("| Selected |") && card.stdout.contains("`Selected`, the per-class choice made for each fold"), "\(card.stdout)")
            for (segment, spec) in version.policy.selection ?? [:] {
                let row = card.stdout.split(separator: "\n").first { $0.hasPrefix("| \(Escape.markdown((try? spec.primaryName().text) ?? "?")) | ") }
                #expect(row?.contains(Escape.markdown(segment.rawValue)) == true, "\(segment): \(String(describing: row))")
            }
            #expect(
                card.stdout.contains("**PriceRegression** (alone or in the combination)") && card.stdout.contains("| log\\_price\\_ratio |"), "\(card.stdout)")
        }
    }
}
