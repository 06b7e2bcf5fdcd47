import Foundation
import Forecasting
import GradientBoosting
import Postgres

extension BacktestRunner {
    /// The global models: one XGBoost model per fold and objective, trained on every series'
    /// history up to that fold's cutoff, then scored like the others. The training rows of all
    /// folds are built once (folds share most of their origins) and fitted by every objective;
    /// folds train in parallel, one thread each.
    func evaluateGlobal(_ specs: [ModelSpec], series: [SeriesInput], segments: [Int: (String, String)], evaluator: FoldEvaluator,
                        options: BacktestOptions, schema: SQLIdentifier, expectedPoints: Int,
                        on connection: Connection) throws -> (Int, [BacktestReport.Key: ErrorAccumulator], ScoreSample) {
        let calendarRows = try connection.query(Query("""
            SELECT ds, is_holiday, event FROM \(unsafeRaw: schema.rendered).calendar
            """).named("global_calendar")).rows.map { row in
            (day: try row.decode("ds", as: PostgresDate.self).unixDays, holiday: try row.decode("is_holiday", as: Bool.self),
             event: try row.decodeIfPresent("event", as: String.self))
        }
        let calendar = CalendarFacts(rows: calendarRows)
        let ordered = series.sorted { $0.seriesNo < $1.seriesNo }
        let categories = Array(Set(segments.values.map(\.0))).sorted(), regions = Array(Set(segments.values.map(\.1))).sorted()
        let categoryCode = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
        let regionCode = Dictionary(uniqueKeysWithValues: regions.enumerated().map { ($1, $0) })
        var familyOf: [Int: String] = [:]
        for row in try connection.query(Query("""
            SELECT series_no, coalesce(family, '?') AS family FROM forecast.backtest_series WHERE backtest_id = \(evaluator.backtestID)
            """).named("backtest_families")).rows {
            familyOf[try row.decode("series_no")] = try row.decode("family")
        }
        // Attributes as valid at each fold's own cutoff (a store remodelled later must not inform an older fold).
        var foldAttributes: [[Int: [String: SeriesAttributes.Value]]] = []
        if !options.attributes.isEmpty {
            for cutoff in evaluator.cutoffs {
                foldAttributes.append(try SeriesAttributes.read(backtestID: evaluator.backtestID, cutoff: cutoff,
                                                                names: options.attributes, schema: schema, on: connection))
            }
        }
        let attributeCodes = SeriesAttributes.codes(options.attributes, values: foldAttributes.flatMap(\.values))
        let families = Array(Set(familyOf.values)).sorted()
        let familyCode = Dictionary(uniqueKeysWithValues: families.enumerated().map { ($1, $0) })
        let locations = Array(Set(series.map(\.locationID))).sorted()
        let locationCode = Dictionary(uniqueKeysWithValues: locations.enumerated().map { ($1, $0) })
        let globals = ordered.map { s -> GlobalSeries in
            let (category, region) = segments[s.seriesNo] ?? ("?", "?")
            return GlobalSeries(id: s.seriesNo, values: s.values, censored: s.censored, startDay: s.start.unixDays,
                                category: categoryCode[category] ?? -1, region: regionCode[region] ?? -1,
                                location: locationCode[s.locationID] ?? -1, family: familyOf[s.seriesNo].flatMap { familyCode[$0] } ?? -1,
                                planned: s.planned, frequency: options.frequency)
        }
        let foldGlobals: [[GlobalSeries]] = foldAttributes.map { byNo in
            globals.map { g in
                var g = g
                g.attributes = SeriesAttributes.encode(byNo[g.id] ?? [:], names: options.attributes, codes: attributeCodes)
                return g
            }
        }
        let plan = options.plan
        let firstIndex = evaluator.modelNames.count - specs.count
        typealias Scored = (BinaryCopyWriter, [BacktestReport.Key: ErrorAccumulator], ScoreSample)
        let contexts: [[Int: FoldEvaluator.FoldContext]] = plan.foldOffsets.map { fold in
            var out: [Int: FoldEvaluator.FoldContext] = [:]
            for (i, s) in ordered.enumerated() where evaluator.newestIndex(s) >= 0 {
                let (category, region) = segments[s.seriesNo] ?? ("?", "?")
                out[i] = evaluator.context(s, fold: fold, category: category, region: region)
            }
            return out
        }
        let models = specs.map {
            GlobalBoostedModel(horizon: plan.reach, frequency: options.frequency, objective: $0.objective ?? .tweedie)
        }
        // Training rows of every fold, the rows folds have in common built once; fitted by every objective.
        if options.showProgress {
            FileHandle.standardError.write(Data("backtest: building global training rows for \(plan.folds) folds (\(globals.count) series)\n".utf8))
        }
        let training = try models[0].prepare(folds: foldGlobals.isEmpty ? [[GlobalSeries]](repeating: globals, count: plan.folds) : foldGlobals,
                                             cutoffIndices: contexts.map { c in ordered.indices.map { c[$0]?.cutoffIndex } },
                                             calendar: calendar, predictionOrigins: Set(evaluator.cutoffs.map(\.unixDays)),
                                             attributes: options.attributes)
        let results = Mutex<[Int: Result<[Scored], Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: plan.folds) { f in
            let result = Result { () throws -> [Scored] in
                if options.showProgress {
                    let names = models.map(\.name).joined(separator: ", ")
                    FileHandle.standardError.write(Data("backtest: training \(names) for fold \(f) (\(globals.count) series)\n".utf8))
                }
                let globals = foldGlobals.isEmpty ? globals : foldGlobals[f]
                let contexts = contexts[f]
                let scored = ordered.indices.filter { contexts[$0] != nil }
                defer { training[f].releaseMatrix() }
                return try models.enumerated().map { specIndex, model in
                    let trained = try model.train(training[f])
                    var writer = BinaryCopyWriter(reservingCapacity: 1 << 20)
                    var groups: [BacktestReport.Key: ErrorAccumulator] = [:]
                    var scores = ScoreSample(expectedPoints: expectedPoints)
                    let forecasts = try trained.forecast(scored.map { (globals[$0], contexts[$0]!.cutoffIndex) }, level: options.intervalLevel)
                    for (i, forecast) in zip(scored, forecasts) {
                        evaluator.record(ordered[i], contexts[i]!, modelIndex: firstIndex + specIndex, served: model.name, forecast: forecast,
                                         into: &writer, groups: &groups, scores: &scores)
                    }
                    return (writer, groups, scores)
                }
            }
            results.withLock { $0[f] = result }
        }
        var rows = 0
        var allGroups: [BacktestReport.Key: ErrorAccumulator] = [:]
        var allScores = ScoreSample(expectedPoints: expectedPoints)
        let byFold = try (0..<plan.folds).map { f in try results.withLock({ $0[f] })?.get() ?? [] }
        for specIndex in specs.indices {
            for scoredFolds in byFold where specIndex < scoredFolds.count {
                let (writer, groups, scores) = scoredFolds[specIndex]
                rows += try connection.copyIn(Query(unsafeSQL: "COPY forecast.backtest_results (\(FoldEvaluator.columns)) FROM STDIN (FORMAT binary)",
                                                    name: "copy_global_backtest_results"), data: writer)
                for (k, v) in groups { allGroups[k, default: ErrorAccumulator()].merge(v) }
                allScores.merge(scores)
            }
        }
        return (rows, allGroups, allScores)
    }
}
