import Pipeline

/// The model choices as `--model`, `--models` and `--candidates` list them: from the spellings the
/// parser reads (`ModelSpec.spellings`), so a new model kind reaches every command's help at once.
enum ModelHelp {
    static let choices =
        "Models: \(ModelSpec.spellingList) (:log1p fits a local model on log(1 + y) and serves the median; after xgboost, its objective); a combination of other members joined by '+', e.g. combination:xgboost:log+xgboost:log_depth+price_regression; or a name as backtest and models show it, e.g. XGBoost[log]. What each model is: docs/models.md."
}
