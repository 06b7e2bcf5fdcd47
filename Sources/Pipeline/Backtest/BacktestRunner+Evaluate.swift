import Forecasting
import Foundation
import GradientBoosting
import Logging
import Postgres

/// The folds of one backtest: plan the series, read them, score every model per fold, store the
/// rows, the selection and the summary.
extension BacktestRunner {
    func evaluate(
        id: Int64, end: PostgresDate, asOf: PostgresTimestamp, newestCutoff: PostgresDate, cutoffs: [PostgresDate],
        models: [ServedModel], modelNames: [ModelName], options: BacktestOptions, schema: SQLIdentifier,
        heartbeat: BacktestHeartbeat? = nil, on connection: Connection
    ) throws -> BacktestReport {
        /// Cancelled or failed as abandoned meanwhile: stop at the next chunk, not at the end.
        func stillRunning() throws {
            guard heartbeat?.ended == true else { return }
            throw try Self.ended(id, on: connection)
        }
        // Series with history by the newest cutoff, and their segments as of that cutoff.
        try SeriesSnapshot.plan(
            .backtest, id: id, cutoff: newestCutoff, asOf: asOf, chunkSize: options.chunkSize,
            attributes: options.attributes, schema: schema, on: connection)
        try SeriesAttributes.requirePresent(options.attributes, backtestID: id, on: connection)
        var segments: [Int: (String, String)] = [:]
        for row in try connection.query(
            Query(
                """
                SELECT series_no, coalesce(category, '?') AS category, coalesce(region, '?') AS region
                FROM forecast.backtest_series WHERE backtest_id = \(id)
                """
            ).named("backtest_segments")
        ).rows {
            segments[try row.decode("series_no")] = (try row.decode("category"), try row.decode("region"))
        }
        let chunks = (segments.keys.max() ?? -1) / max(1, options.chunkSize) + 1
        guard !segments.isEmpty else { throw PipelineError.noSeries(cutoff: newestCutoff) }
        let segmentMap = segments

        var readerSetup = SeriesReader(runID: id, cutoff: end, asOf: asOf, frequency: options.frequency, schema: schema, source: .backtest)
        let globalSpecs = options.modelsWithBaseline().filter(\.usesPlannedInputs)
        readerSetup.plannedInputs = !globalSpecs.isEmpty
        let reader = readerSetup
        let evaluator = FoldEvaluator(
            plan: options.plan, models: models, modelNames: modelNames, cutoffs: cutoffs,
            newestCutoff: newestCutoff, reader: reader, level: options.intervalLevel,
            seasonLength: options.frequency.defaultSeasonLength, backtestID: id,
            structureSelection: options.structureSelection)
        let next = Mutex(0)
        let merged = Mutex(BacktestReport())
        let expectedPoints = segmentMap.count * options.plan.folds * options.plan.horizon
        let mergedScores = Mutex(ScoreSample(expectedPoints: expectedPoints))
        let global = !globalSpecs.isEmpty
        let failure = Mutex<Error?>(nil)
        let done = Mutex(0)
        let startedAt = Date()
        let group = DispatchGroup()
        // With global models every series is read first (they learn from all of them at once) and
        // they are evaluated on a thread of their own beside the per-series workers: the boosters'
        // training no longer waits for the per-series models (the weekly bench catalogue: 6 s of
        // per-series models on 2 cores that left one of them mostly idle). Without them series are
        // read chunk by chunk as the workers go.
        let preRead: [[SeriesInput]]? = global ? try readAll(chunks: chunks, reader: reader, workers: options.workers) : nil
        let globalOutcome = Mutex<GlobalOutcome?>(nil)
        if let preRead {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let outcome = try evaluateGlobal(
                        globalSpecs, series: preRead.flatMap { $0 }, segments: segmentMap,
                        evaluator: evaluator, options: options, schema: schema,
                        expectedPoints: expectedPoints, on: connection)
                    globalOutcome.withLock { $0 = outcome }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
            thread.name = "backtest-global"
            thread.stackSize = 8 << 20
            thread.start()
        }
        for w in 0..<options.workers {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let conn = try connect()
                    defer { conn.close() }
                    while failure.withLock({ $0 == nil }) {
                        if heartbeat?.ended == true { return }
                        let chunk = next.withLock { v -> Int in
                            defer { v += 1 }
                            return v
                        }
                        guard chunk < chunks else { return }
                        let series = try preRead?[chunk] ?? reader.read(chunk: chunk, on: conn)
                        var writer = BinaryCopyWriter(reservingCapacity: 1 << 20)
                        var local: [BacktestReport.Key: ErrorAccumulator] = [:]
                        var scores = ScoreSample(expectedPoints: expectedPoints)
                        for s in series {
                            let (category, region) = segmentMap[s.seriesNo] ?? ("?", "?")
                            evaluator.evaluate(s, category: category, region: region, into: &writer, groups: &local, scores: &scores)
                        }
                        mergedScores.withLock { $0.merge(scores) }
                        let rows = writer.rowCount
                        try conn.copyIn(FoldEvaluator.layout, data: writer)
                        let finished = done.withLock { v -> Int in
                            v += series.count
                            return v
                        }
                        merged.withLock {
                            $0.merge(local)
                            $0.rows += rows
                            $0.seriesCount += series.count
                        }
                        if options.showProgress {
                            let rate = Double(finished) / max(0.001, Date().timeIntervalSince(startedAt))
                            FileHandle.standardError.write(Data("backtest \(id): series \(finished)/\(segmentMap.count), \(Int(rate)) series/s\n".utf8))
                        }
                    }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
            thread.name = "backtest-\(w + 1)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        try stillRunning()
        let outcome = globalOutcome.withLock { $0 }
        if let outcome {
            merged.withLock {
                $0.merge(outcome.groups)
                $0.rows += outcome.rows
            }
            mergedScores.withLock { $0.merge(outcome.scores) }
            try stillRunning()
        }
        var report = merged.withLock { $0 }
        report.expandCells()
        report.id = id
        report.cutoffs = cutoffs.map(\.description)
        report.globalRefits = outcome?.refits.map(\.description) ?? []
        report.baseline = modelNames[0]
        report.models = modelNames
        // The out-of-sample "Selected" forecast (nested rolling origin), stored like any model's.
        let metric = options.selectionMetric.score
        let perFold = BacktestReport.minimumClassSeries * options.plan.horizon
        let choices = report.nestedSelection(
            metric, candidates: modelNames, folds: options.plan.folds,
            minimumClassPoints: { perFold * $0 },
            thin: (
                BacktestReport.minimumOverallPoints(horizon: options.plan.horizon),
                BacktestReport.thinEvidenceDefault(options.models)
            ))
        report.addSelected(choices)
        // The database copies the Selected rows while the calibration sorts the scores (no database there).
        let stored = Mutex<Result<Int, Error>>(.success(0))
        let storing = DispatchGroup()
        storing.enter()
        let selectedReport = report
        Thread {
            defer { storing.leave() }
            let result = Result { try storeSelected(choices, report: selectedReport, backtestID: id, on: connection) }
            stored.withLock { $0 = result }
        }.start()
        report.calibrate(
            scores: mergedScores.withLock { $0 }, folds: options.plan.folds, horizon: options.plan.horizon,
            level: options.intervalLevel, extraLevels: options.extraLevels)
        storing.wait()
        report.rows += try stored.withLock { $0 }.get()
        let levels =
            [(options.intervalLevel, report.calibrations, report.calibratedCoverage)]
            + options.extraLevels.map { ($0, report.levelCalibrations[$0] ?? [:], report.levelCoverage[$0] ?? [:]) }
        for (level, calibrations, coverage) in levels {
            for name in modelNames {
                guard let calibration = calibrations[name] else { continue }
                try connection.execute(
                    Query(
                        """
                        INSERT INTO forecast.interval_calibrations (backtest_id, model_name, interval_level, step_lower, step_upper,
                                                                    cross_fold_coverage)
                        VALUES (\(id), \(name), \(level),
                                \(calibration.lower.map(\.postgresText))::float8[],
                                \(calibration.upper.map(\.postgresText))::float8[],
                                \(coverage[name].flatMap { $0.isFinite ? $0 : nil }))
                        """
                    ).named("store_calibration"))
            }
        }
        return report
    }
}
