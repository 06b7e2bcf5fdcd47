import Postgres

extension BacktestRunner {
    /// Copies each fold's chosen rows as model "Selected" (served_model keeps who produced them).
    func storeSelected(
        _ choices: [Int: [SelectionSegment: ModelName]], report: BacktestReport, backtestID id: Int64,
        on connection: Connection
    ) throws -> Int {
        var folds: [String] = [], classes: [String] = [], models: [ModelName] = []
        // Every series and fold has a baseline row, so the baseline's groups list every (fold, class) scored.
        for (fold, choice) in choices.sorted(by: { $0.key < $1.key }) {
            for key in report.groups.keys where key.kind == .foldClass && key.model == report.baseline {
                guard let (f, c) = BacktestReport.foldClassParts(key.value), f == fold,
                    let model = SelectionSegment(rawValue: c).flatMap({ choice[$0] }) ?? choice[.all]
                else { continue }
                folds.append(String(f))
                classes.append(c)
                models.append(model)
            }
        }
        guard !folds.isEmpty else { return 0 }
        return try connection.execute(
            Query(
                """
                INSERT INTO forecast.backtest_results (\(FoldEvaluator.layout.columnList))
                SELECT r.backtest_id, \(ModelName.selected), r.served_model, r.fold, r.cutoff, r.item_id, r.location_id, r.ds,
                       r.horizon, r.yhat, r.yhat_lower, r.yhat_upper, r.actual, r.demand_class
                FROM unnest(\(folds)::text[]::int[], \(classes)::text[], \(models.map(\.text))::text[]) AS c(fold, demand_class, model_name)
                JOIN forecast.backtest_results r ON r.backtest_id = \(id) AND r.fold = c.fold AND r.demand_class = c.demand_class
                                                 AND r.model_name = c.model_name
                """
            ).named("store_selected_results"))
    }
}
