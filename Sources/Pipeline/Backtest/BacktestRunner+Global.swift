import Forecasting
import Foundation
import GradientBoosting
import Postgres

extension BacktestRunner {
    /// What the global models added to a backtest: their rows, groups and scores, and the cutoffs
    /// the boosters were refit at (empty: no booster, the price regression alone).
    struct GlobalOutcome: Sendable {
        var rows: Int, groups: [BacktestReport.Key: ErrorAccumulator], scores: ScoreSample, refits: [PostgresDate]
    }

    /// Bytes of result rows a fold of the global models sends per COPY (about 100k rows).
    static let copyBytes = 16 << 20

    /// The global models: one XGBoost model per fold and objective, trained on every series'
    /// history up to that fold's cutoff, then scored like the others. The training rows of all
    /// folds are built once (folds share most of their origins) and fitted by every objective;
    /// folds train in parallel, one thread each.
    func evaluateGlobal(
        _ specs: [ModelSpec], series: [SeriesInput], segments scoring: [Int: (String, String)], evaluator: FoldEvaluator,
        options: BacktestOptions, schema: SQLIdentifier, expectedPoints: Int,
        on connection: Connection
    ) throws -> GlobalOutcome {
        let calendar = CalendarFacts(rows: try GlobalTraining.calendar(schema, on: connection))
        let ordered = series.sorted { $0.seriesNo < $1.seriesNo }
        let segments = try GlobalTraining.segments(.backtest, id: evaluator.backtestID, chunk: nil, on: connection)
        // Attributes as valid at each fold's own cutoff (a store remodelled later must not inform an older fold).
        var foldAttributes: [[Int: [String: SeriesAttributes.Value]]] = []
        if !options.attributes.isEmpty {
            for cutoff in evaluator.cutoffs {
                foldAttributes.append(
                    try SeriesAttributes.read(
                        backtestID: evaluator.backtestID, cutoff: cutoff,
                        names: options.attributes, schema: schema, on: connection))
            }
        }
        let codes = GlobalTraining.codes(
            segments.values, attributes: options.attributes,
            attributeValues: foldAttributes.flatMap(\.values))
        func globalSeries(_ attributes: [Int: [String: SeriesAttributes.Value]]) -> [GlobalSeries] {
            ordered.map { s in
                var segment = segments[s.seriesNo] ?? GlobalTraining.Segment()
                segment.attributes = attributes[s.seriesNo] ?? [:]
                return GlobalTraining.global(s, segment: segment, codes: codes, frequency: options.frequency)
            }
        }
        let globals = globalSeries([:])
        let foldGlobals = foldAttributes.map { globalSeries($0) }
        let plan = options.plan
        let settings = ServedModel.Settings(horizon: plan.reach, level: options.intervalLevel, seasonLength: options.frequency.defaultSeasonLength)
        let firstIndex = evaluator.modelNames.count - specs.count
        typealias Scored = (rows: Int, groups: [BacktestReport.Key: ErrorAccumulator], scores: ScoreSample)
        let contexts: [[Int: FoldEvaluator.FoldContext]] = plan.foldOffsets.map { fold in
            var out: [Int: FoldEvaluator.FoldContext] = [:]
            for (i, s) in ordered.enumerated() where evaluator.newestIndex(s) >= 0 {
                let (category, region) = scoring[s.seriesNo] ?? ("?", "?")
                out[i] = evaluator.context(s, fold: fold, category: category, region: region, keepTraining: false)
            }
            return out
        }
        // The XGBoost objectives to train (a combination needs the Tweedie one even when it is not listed),
        // and whether the price regression is fitted (listed, or for a combination).
        var objectives: [BoostingObjective] = []
        for g in ModelSpec.globalMembers(of: specs) where !objectives.contains(g.objective ?? .tweedie) { objectives.append(g.objective ?? .tweedie) }
        let models = objectives.map { GlobalBoostedModel(horizon: plan.reach, frequency: options.frequency, objective: $0) }
        let regression = specs.contains(where: \.fitsOnPlannedHistory)
        // The competing items' prices of every group, for the regression's cross-price term (as runs read them).
        let competitorGroups =
            regression && !evaluator.cutoffs.isEmpty
            ? try CompetitorPrices.read(
                .backtest, id: evaluator.backtestID, chunk: nil,
                through: options.frequency.lastDay(ofStep: plan.reach, after: evaluator.cutoffs.max()!),
                schema: schema, on: connection)
            : []
        // Training rows of every fold, the rows folds have in common built once; fitted by every objective.
        if options.showProgress && !models.isEmpty {
            FileHandle.standardError.write(Data("backtest: building global training rows for \(plan.folds) folds (\(globals.count) series)\n".utf8))
        }
        // The folds whose cutoffs the boosters are refit at (`GlobalRefits`), and which refit forecasts each fold.
        let servedBy = GlobalRefits.servingFolds(cutoffs: evaluator.cutoffs, everyDays: options.refitDays)
        let refits = Array(Set(servedBy)).sorted()
        // One set of rows per feature set (the categorical booster's carry the item and the location), per refit.
        var trainingSets: [FeatureSet: [TrainingSet]] = [:]
        for model in models where trainingSets[model.featureSet] == nil {
            trainingSets[model.featureSet] = try model.prepare(
                folds: refits.map { foldGlobals.isEmpty ? globals : foldGlobals[$0] },
                cutoffIndices: refits.map { r in ordered.indices.map { contexts[r][$0]?.cutoffIndex } },
                calendar: calendar, predictionOrigins: Set(evaluator.cutoffs.map(\.unixDays)), attributes: options.attributes)
        }
        let training = trainingSets
        let results = Mutex<[Int: Result<[Scored], Error>]>([:])
        // Each refit writes its folds' rows from its own thread, so the COPY overlaps the other
        // refits' training; one connection per thread, opened on first use.
        let connections = Mutex<[Connection]>([])
        defer { for c in connections.withLock({ $0 }) { c.close() } }
        DispatchQueue.concurrentPerform(iterations: refits.count) { g in
            let r = refits[g]
            var trained: [GlobalBoostedModel.Trained] = []
            let fitted = Result { () throws -> Void in
                if options.showProgress && !models.isEmpty {
                    let names = models.map(\.name).joined(separator: ", ")
                    let served = servedBy.indices.filter { servedBy[$0] == r }
                    let folds = served.count == 1 ? "fold \(r)" : "folds \(served.map(String.init).joined(separator: ", "))"
                    FileHandle.standardError.write(Data("backtest: training \(names) at fold \(r)'s cutoff for \(folds) (\(globals.count) series)\n".utf8))
                }
                defer { for sets in training.values { sets[g].releaseMatrix() } }
                for model in models {
                    let say = ProgressReporter.lines(prefix: "backtest: fold \(r) \(model.name): ", when: options.showProgress)
                    trained.append(try model.train(training[model.featureSet]![g], progress: say))
                }
            }
            for f in servedBy.indices where servedBy[f] == r {
                let result = Result { () throws -> [Scored] in
                    try fitted.get()
                    let globals = foldGlobals.isEmpty ? globals : foldGlobals[f]
                    let contexts = contexts[f]
                    let scored = ordered.indices.filter { contexts[$0] != nil }
                    // Each member's forecasts of the fold, in `scored` order: every XGBoost objective (by name) ...
                    var boosted: [ModelName: [Forecast]] = [:]
                    for (model, trained) in zip(models, trained) {
                        boosted[ModelName(model.name)] = try trained.forecast(
                            scored.map { (globals[$0], contexts[$0]!.cutoffIndex) },
                            level: options.intervalLevel)
                    }
                    // ... and the price regression, fitted per series on its history and planned inputs up to
                    // the fold's cutoff (a failure where it cannot fit: no prices, too short a history).
                    let model = PriceRegression(horizon: plan.reach, frequency: options.frequency)
                    let competitors = CompetitorPrices.indexes(
                        competitorGroups, cutoff: evaluator.cutoffs[f], horizon: plan.reach,
                        frequency: options.frequency)
                    let regressions: [Result<Forecast, Error>] =
                        regression
                        ? scored.map { i in
                            Result {
                                try model.forecast(
                                    globals[i], origin: contexts[i]!.cutoffIndex, level: options.intervalLevel,
                                    competitors: competitors[ordered[i].seriesNo])
                            }
                        } : []
                    let conn = try connections.withLock { $0.popLast() } ?? connect()
                    defer { connections.withLock { $0.append(conn) } }
                    return try specs.enumerated().map { position, spec in
                        let specIndex = firstIndex + position
                        // Rows go to the database every `copyBytes` (a COPY each): a fold of 100k series
                        // held all its rows at once, about 0.4 GB per model.
                        var writer = BinaryCopyWriter(reservingCapacity: Self.copyBytes + (1 << 16))
                        var written = 0
                        var groups: [BacktestReport.Key: ErrorAccumulator] = [:]
                        var scores = ScoreSample(expectedPoints: expectedPoints)
                        let served = try ServedModel(spec)
                        for (k, i) in scored.enumerated() {
                            let ctx = contexts[i]!
                            // What a run at the fold's cutoff serves (`ServedModel.forecast`), from this
                            // fold's boosters and regression.
                            var at = SeriesAtOrigin(training: { evaluator.training(ordered[i], fold: ctx.fold) ?? [] })
                            at.global = { name in
                                guard let f = boosted[name] else { throw PipelineError.configuration("the fold's global model \(name) was not trained") }
                                return f[k]
                            }
                            if regression { at.regression = { try regressions[k].get() } }
                            let (name, forecast) = try served.forecast(at, settings)
                            evaluator.record(
                                ordered[i], ctx, modelIndex: specIndex, served: name, forecast: forecast,
                                into: &writer, groups: &groups, scores: &scores)
                            if writer.bytes.count >= Self.copyBytes {
                                written += try conn.copyIn(FoldEvaluator.layout, data: writer)
                                writer = BinaryCopyWriter(reservingCapacity: Self.copyBytes + (1 << 16))
                            }
                        }
                        written += try conn.copyIn(FoldEvaluator.layout, data: writer)
                        return (written, groups, scores)
                    }
                }
                results.withLock { $0[f] = result }
            }
        }
        var rows = 0
        var allGroups: [BacktestReport.Key: ErrorAccumulator] = [:]
        var allScores = ScoreSample(expectedPoints: expectedPoints)
        let byFold = try (0..<plan.folds).map { f in try results.withLock({ $0[f] })?.get() ?? [] }
        for specIndex in specs.indices {
            for scoredFolds in byFold where specIndex < scoredFolds.count {
                let (written, groups, scores) = scoredFolds[specIndex]
                rows += written
                for (k, v) in groups { allGroups[k, default: ErrorAccumulator()].merge(v) }
                allScores.merge(scores)
            }
        }
        return GlobalOutcome(
            rows: rows, groups: allGroups, scores: allScores,
            refits: models.isEmpty ? [] : refits.map { evaluator.cutoffs[$0] })
    }
}
