import Forecasting
import Postgres

/// Scores every model on every fold of one series and encodes the result rows.
struct FoldEvaluator: Sendable {
    let plan: BacktestPlan
    /// The per-series models (`ServedModel.local`), in `modelNames` order.
    let models: [ServedModel]
    let modelNames: [ModelName]
    let cutoffs: [PostgresDate]
    let newestCutoff: PostgresDate
    let reader: SeriesReader
    let level: Double
    let seasonLength: Int
    let backtestID: Int64
    var structureSelection = StructureSelection.firstFold

    /// How the fold's models forecast: over gap + horizon, at the backtest's level, uncalibrated.
    var settings: ServedModel.Settings { ServedModel.Settings(horizon: plan.reach, level: level, seasonLength: seasonLength) }

    /// The backtest rows' COPY target, in the order `record` writes the fields.
    static let layout = CopyLayout(
        schema: SQLIdentifier("forecast"), table: "backtest_results",
        columns: [
            "backtest_id", "model_name", "served_model", "fold", "cutoff", "item_id", "location_id", "ds", "horizon", "yhat",
            "yhat_lower", "yhat_upper", "actual", "demand_class",
        ])

    /// Where a series stands in a fold: its training range, actuals, scales and segments.
    struct FoldContext {
        let fold: BacktestPlan.Fold
        let cutoffIndex: Int
        let training: [Double]
        let actual: [Double]
        let scales: (mae: Double, mse: Double)
        let scoreScale: Double
        let demandClass: String
        let category: String
        let region: String
    }

    func newestIndex(_ s: SeriesInput) -> Int {
        reader.frequency.index(of: newestCutoff, from: s.start)
    }

    /// The fold's view of a series (nil when the fold's cutoff is before the series starts). Its
    /// demand class is judged as of the fold's cutoff, on the whole history up to it (as a run
    /// with that cutoff would), never on later data. `keepTraining` false: the context's `training`
    /// is left empty (its scales are computed all the same), for the global models, which read
    /// the series themselves (a fold's training histories of 100k daily series are 0.55 GB);
    /// `training(_:fold:)` gives it when needed.
    func context(_ s: SeriesInput, fold: BacktestPlan.Fold, category: String, region: String, keepTraining: Bool = true) -> FoldContext? {
        guard let range = plan.trainingRange(newestCutoff: newestIndex(s), fold: fold), !range.isEmpty else { return nil }
        let cutoffIndex = range.upperBound - 1
        let training = Self.training(s, range)
        let history = range.lowerBound == 0 ? training : Censoring.impute(Array(s.values[0...cutoffIndex]), censored: Array(s.censored[0...cutoffIndex]))
        let demandClass = DemandClass.classify(history, frequency: reader.frequency).rawValue
        var actual: [Double] = []
        for h in 1...plan.horizon {
            let t = cutoffIndex + plan.gap + h
            actual.append(t < s.values.count && !s.censored[t] ? s.values[t] : .nan)
        }
        return FoldContext(
            fold: fold, cutoffIndex: cutoffIndex, training: keepTraining ? training : [], actual: actual,
            scales: seasonalScales(training, seasonLength: seasonLength),
            scoreScale: conformalScale(training, seasonLength: seasonLength),
            demandClass: demandClass, category: category, region: region)
    }

    /// The series' training history in the fold, stockouts imputed (nil when the fold's cutoff is
    /// before the series starts): what `context` keeps as `training`.
    func training(_ s: SeriesInput, fold: BacktestPlan.Fold) -> [Double]? {
        guard let range = plan.trainingRange(newestCutoff: newestIndex(s), fold: fold), !range.isEmpty else { return nil }
        return Self.training(s, range)
    }

    /// Leakage guard: the models see nothing after the fold's cutoff.
    private static func training(_ s: SeriesInput, _ range: Range<Int>) -> [Double] {
        Censoring.impute(Array(s.values[range]), censored: Array(s.censored[range]))
    }

    func evaluate(
        _ s: SeriesInput, category: String, region: String,
        into writer: inout BinaryCopyWriter, groups: inout [BacktestReport.Key: ErrorAccumulator]
    ) {
        var sample = ScoreSample(expectedPoints: 1)
        evaluate(s, category: category, region: region, into: &writer, groups: &groups, scores: &sample)
    }

    func evaluate(
        _ s: SeriesInput, category: String, region: String, into writer: inout BinaryCopyWriter,
        groups: inout [BacktestReport.Key: ErrorAccumulator], scores: inout ScoreSample
    ) {
        guard newestIndex(s) >= 0 else { return }
        var previous: [String: any FittedModel] = [:]
        for fold in plan.foldOffsets {
            guard let ctx = context(s, fold: fold, category: category, region: region) else { continue }
            var reusable: [String: any FittedModel] = [:]
            let before = previous
            var at = SeriesAtOrigin(training: { ctx.training })
            at.fit = { model, y in try fit(model, y, reusing: &reusable, previous: before) }
            for (m, model) in models.enumerated() {
                // As in a run (`ServedModel.forecast`): a series whose model (and its fallback
                // chain) fails is served the naive forecast, so the gate scores what runs serve.
                guard let (served, forecast) = try? model.forecast(at, settings) else { continue }
                record(s, ctx, modelIndex: m, served: served, forecast: forecast, into: &writer, groups: &groups, scores: &scores)
            }
            previous = reusable
        }
    }

    /// Fits a model; an ensemble reuses members already fitted to this fold's training data, and
    /// every fit is remembered under its model's own name (without fallback) for later ensembles.
    /// A searching model (AutoETS, AutoTheta) starts from its fit in the previous fold (`previous`),
    /// re-selecting its form or not as `structureSelection` says.
    func fit(
        _ model: any ForecastModel, _ y: [Double], reusing cache: inout [String: any FittedModel],
        previous: [String: any FittedModel]
    ) throws -> any FittedModel {
        // The model's own core (a fallback chain's first member, when the series is long enough).
        var core = model
        if let chain = model as? FallbackChain, let first = chain.models.first, y.count >= first.minimumObservations {
            core = first
        }
        if let cached = cache[core.name] { return cached }
        do {
            let fitted: any FittedModel
            if let ensemble = core as? MedianEnsemble {
                fitted = try ensemble.fit(y, reusing: cache)
            } else if let searching = core as? any Refittable, let earlier = previous[core.name] {
                fitted = try searching.refit(
                    y, after: earlier, keepStructure: structureSelection == .firstFold,
                    sameOrigin: plan.window == .expanding)
            } else {
                fitted = try core.fit(y)
            }
            cache[core.name] = fitted
            return fitted
        } catch {
            return try model.fit(y)  // the fallback chain serves, as in a run
        }
    }

    /// Scores one model's forecast (covering gap + horizon steps) and encodes its rows.
    func record(
        _ s: SeriesInput, _ ctx: FoldContext, modelIndex m: Int, served: ModelName, forecast f: Forecast,
        into writer: inout BinaryCopyWriter, groups: inout [BacktestReport.Key: ErrorAccumulator],
        scores: inout ScoreSample
    ) {
        let mean = Array(f.mean.suffix(plan.horizon)), lower = Array(f.lower.suffix(plan.horizon)),
            upper = Array(f.upper.suffix(plan.horizon))
        var acc = ErrorAccumulator()
        acc.add(
            actual: ctx.actual, forecast: mean, lower: lower, upper: upper, level: level,
            maeScale: ctx.scales.mae, mseScale: ctx.scales.mse)
        for h in 0..<plan.horizon where ctx.actual[h].isFinite {
            scores.add(
                ScoreSample.ScoreKey(model: m, fold: ctx.fold.index, step: h), series: s.seriesNo,
                score: (ctx.actual[h] - mean[h]) / ctx.scoreScale, scale: ctx.scoreScale)
        }
        let name = modelNames[m]
        // Only the finest group; `BacktestReport.expandCells()` merges the others from it once.
        let cell = BacktestReport.cell(fold: ctx.fold.index, demandClass: ctx.demandClass, category: ctx.category, region: ctx.region)
        groups[BacktestReport.Key(model: name, kind: .cell, value: cell), default: ErrorAccumulator()].merge(acc)
        for h in 0..<plan.horizon {
            let target = reader.frequency.advance(s.start, by: ctx.cutoffIndex + plan.gap + h + 1)
            writer.beginRow(Self.layout)
            writer.append(backtestID)
            writer.append(name.text)
            writer.append(served.text)
            writer.append(Int32(ctx.fold.index))
            writer.append(cutoffs[ctx.fold.index])
            writer.append(s.itemID)
            writer.append(s.locationID)
            writer.append(target)
            writer.append(Int32(plan.gap + h + 1))
            writer.append(mean[h])
            writer.append(lower[h])
            writer.append(upper[h])
            if ctx.actual[h].isFinite { writer.append(ctx.actual[h]) } else { writer.appendNull() }
            writer.append(ctx.demandClass)
        }
    }
}
