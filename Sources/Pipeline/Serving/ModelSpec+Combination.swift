import Forecasting
import GradientBoosting

/// The combination (`ModelSpec.Kind.combination`): one rule, applied by `ServedModel.forecast` in
/// runs and backtests alike, so that what a backtest scores is what a run serves.
///
/// Members with different biases, each a median: the global booster on the log level
/// (`xgboost:log`, trained across all series) and the price regression (a log-log regression per
/// series on its own prices and promotions). They are combined on the log scale
/// (`Forecast.logMean`), so the combination is a median too and one member off by a factor moves
/// it by the root of that factor. On the real weekly panels (WAPE / MAPE, `make bench-real`):
/// cheese 19.2 / 18.7, tuna 40.5 / 31.2, against 19.2 / 19.4 and 40.7 / 31.1 for the arithmetic
/// mean of the Tweedie booster (a mean) and the price regression that `combination` was before
/// issue 28; versions stored with that policy keep it (`members` nil). A third member, the same
/// log booster grown depth-wise (`xgboost:log_depth`), gave 19.6 / 18.6 and 38.4 / 30.1 for
/// twice the boosting time, so it is a candidate of its own, not a member.
extension ModelSpec {
    /// What `combination` means for new policies.
    static func defaultCombination(seasonLength: Int, window: Int) -> [ModelSpec] {
        [
            ModelSpec(kind: .xgboost, seasonLength: seasonLength, window: window, objective: .logLevel),
            ModelSpec(kind: .priceRegression, seasonLength: seasonLength, window: window),
        ]
    }

    /// The members of `combination:<member>+<member>...` (e.g. `xgboost:log+xgboost:log_depth+price_regression`):
    /// two or more different medians, so that their log-scale mean is one too: the log-space
    /// boosters (`xgboost:log`, `xgboost:log_depth`, `xgboost:log_cat`), the absolute-error booster (`xgboost:l1`) and
    /// the price regression; at least one booster (the members are served by the run's global models).
    static func combinationMembers(parsing text: String, seasonLength: Int, window: Int) throws -> [ModelSpec] {
        let members = try text.split(separator: "+", omittingEmptySubsequences: false).map { part -> ModelSpec in
            let spec = try? ModelSpec(parsing: part, seasonLength: seasonLength, window: window)
            guard let spec, spec.kind == .priceRegression || (spec.kind == .xgboost && spec.objective.map { $0.point == .median } == true) else {
                throw PipelineError.invalidArgument(
                    "combination member '\(part)': members are medians combined on the log scale: xgboost:log, xgboost:log_depth, xgboost:log_cat, xgboost:l1 or price_regression"
                )
            }
            return spec
        }
        guard members.count >= 2, Set(members.map(\.argument)).count == members.count else {
            throw PipelineError.invalidArgument("combination:\(text): name two or more different members joined by '+'")
        }
        guard members.contains(where: { $0.kind == .xgboost }) else {
            throw PipelineError.invalidArgument("combination:\(text): name at least one xgboost member (the price regression alone is price_regression)")
        }
        // One order for the same members (boosters by objective, then the price regression), so
        // that `price_regression+xgboost:log` is the default combination and names do not depend on spelling.
        func rank(_ m: ModelSpec) -> Int {
            m.kind == .priceRegression ? BoostingObjective.allCases.count : BoostingObjective.allCases.firstIndex(of: m.objective ?? .tweedie)!
        }
        return members.sorted { rank($0) < rank($1) }
    }

    /// The combination is the default one (`defaultCombination`, named plainly `Combination`).
    var isDefaultCombination: Bool {
        members == Self.defaultCombination(seasonLength: seasonLength, window: window)
    }

    /// `model_name` of a combination: `Combination` for the default members (and for stored
    /// policies from before issue 28), else its members', e.g. `Combination[XGBoost[log]+XGBoost[log,depth]+PriceRegression]`.
    func combinationPrimaryName() throws -> ModelName {
        guard let members, !isDefaultCombination else { return ModelName(Self.combinationName) }
        return ModelName("\(Self.combinationName)[" + (try members.map { try $0.primaryName().text }).joined(separator: "+") + "]")
    }

    /// The members (a stored policy from before issue 28: XGBoost (Tweedie) and the price regression).
    var combinationMembers: [ModelSpec] {
        members ?? [
            ModelSpec(kind: .xgboost, seasonLength: seasonLength, window: window),
            ModelSpec(kind: .priceRegression, seasonLength: seasonLength, window: window),
        ]
    }

    /// The members are combined on the log scale (else, stored before issue 28, arithmetically).
    var combinesOnLogScale: Bool { members != nil }

    /// The price regression is a member.
    var combinesPrices: Bool { combinationMembers.contains { $0.kind == .priceRegression } }

    /// A combination's forecast from its global members' forecasts (in `globalMembers` order) and
    /// the price regression's (nil where it cannot fit), with the name of what served it. On the
    /// log scale every member there is joins; the arithmetic form of stored policies needs the
    /// price regression, else its booster serves alone under its own name.
    func combine(globals: [Forecast], regression: Forecast?) throws -> (served: ModelName, forecast: Forecast) {
        guard kind == .combination, !globals.isEmpty else {
            throw PipelineError.configuration("\(argument) has no global member to combine")
        }
        // The regression joins only a combination that names it (a backtest fits it for every spec).
        let regression = combinesPrices ? regression : nil
        if combinesOnLogScale {
            let joined = globals + (regression.map { [$0] } ?? [])
            guard joined.count > 1 else { return (try globalMembers[0].primaryName(), joined[0]) }
            // Named by the members that joined: without the regression, the boosters' combination.
            var served = self
            if regression == nil && combinesPrices { served.members = globalMembers }
            return (try served.combinationPrimaryName(), Forecast.logMean(joined))
        }
        guard let regression else { return (try globalMembers[0].primaryName(), globals[0]) }
        return (try combinationPrimaryName(), Forecast.mean(globals[0], regression))
    }
}
