import Forecasting
import Postgres

extension ModelCard {
    /// The card's "Candidates compared" section (issue 28, item 4: small, honest tuning): every
    /// model, booster setting and combination of members the qualifying backtest scored, with its
    /// WAPE over the backtest's folds and the demand classes whose choice it became. The choice per
    /// class is the nested rolling origin's (each fold judged on a choice made from earlier folds
    /// only: the "Selected" row); the version stores the choice over every fold.
    static func candidates(
        _ v: ModelVersion, md: (String) -> String, pct: (Double?) -> String,
        on connection: Connection
    ) throws -> [String] {
        let rows = try connection.query(
            Query(
                """
                SELECT model_name, count(*) AS n, sum(abs(yhat - actual)) / nullif(sum(abs(actual)), 0) AS wape
                FROM forecast.backtest_results
                WHERE backtest_id = \(v.backtestID) AND actual IS NOT NULL
                GROUP BY model_name ORDER BY wape NULLS LAST, model_name
                """
            ).named("card_candidates")
        ).rows
        let selected = rows.first { (try? $0.decode("model_name", as: ModelName.self)) == .selected }
        let candidates = rows.filter { (try? $0.decode("model_name", as: ModelName.self)) != .selected }
        guard candidates.count > 1 else { return [] }
        let metric =
            try connection.query(
                Query(
                    """
                    SELECT min(metric) AS metric FROM forecast.model_selections WHERE backtest_id = \(v.backtestID)
                    """
                ).named("card_selection_metric")
            ).rows.first?.decodeIfPresent("metric", as: String.self) ?? "wape"
        var chosenFor: [ModelName: [String]] = [:]
        for (segment, spec) in (v.policy.selection ?? [:]).sorted(by: { $0.key < $1.key }) {
            chosenFor[try spec.primaryName(), default: []].append(segment.rawValue)
        }
        if v.policy.selection == nil { chosenFor[try v.policy.model.primaryName(), default: []].append("every series") }
        var out = [
            "## Candidates compared", "",
            "The qualifying backtest \(v.backtestID) scored these candidates on the same folds (models, booster settings and combinations of members). "
                + "Each demand class takes the candidate with the lowest \(md(metric.uppercased())) on its series; `Selected` is that choice made for every fold from the earlier folds only "
                + "(nested rolling origin), so its score is out of sample. With fewer than \(BacktestReport.minimumClassSeries) series' worth of points a class follows the overall choice, "
                + "and on thinner evidence still the overall choice is the combination.", "",
            "| Candidate | n | WAPE | chosen for |", "|---|---|---|---|",
        ]
        for r in candidates {
            let name = try r.decode("model_name", as: ModelName.self)
            let chosen = chosenFor[name].map { $0.map(md).joined(separator: ", ") } ?? ""
            out.append("| \(md(name.text)) | \(try r.decode("n", as: Int.self)) | \(pct(try r.decodeIfPresent("wape", as: Double.self))) | \(chosen) |")
        }
        if let selected {
            out += [
                "",
                "`Selected`, the per-class choice made for each fold from the earlier folds only (scored from the second fold on): WAPE "
                    + "\(pct(try selected.decodeIfPresent("wape", as: Double.self))) over \(try selected.decode("n", as: Int.self)) points.",
            ]
        }
        return out + [""]
    }
}
