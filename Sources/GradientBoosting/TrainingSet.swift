import Forecasting
import Foundation

/// The training rows of a global model for one scope and cutoff, fitted by any number of
/// objectives (the backtest fits several on every fold; the run path every global model it
/// serves). Features do not depend on the objective; only the labels do, and they are derived
/// from the stored targets, scales and log levels. The rows live in a `TrainingRows` store that
/// the folds of a backtest share (a row's features depend only on its series, origin and
/// horizon step, all known at its origin); the XGBoost matrix is made from them at the first fit
/// and kept for the next (its quantile sketch is computed once). Use a training set from one
/// thread at a time.
public struct TrainingSet: @unchecked Sendable {
    let builder: FeatureBuilder
    let horizon: Int
    let frequency: Frequency
    /// Training origins per series (the most any series has).
    public let origins: Int
    /// The origins of every series, recent and a year back (lineage).
    public let originCounts: OriginCounts
    let store: TrainingRows
    /// Rows of `store` this set trains on, in order.
    let selection: [Int]
    let matrix: TrainingMatrix
    public var rows: Int { selection.count }

    /// Frees the XGBoost matrix once every objective is fitted (a backtest holds every fold's set).
    public func releaseMatrix() { matrix.release() }

    /// Labels for `objective`: y / scale, or log(1 + y) − the origin's log level.
    func labels(_ objective: BoostingObjective) -> [Float] {
        selection.map { i in
            objective.inLogSpace
                ? Float(Foundation.log1p(store.targets[i]) - store.logLevels[i])
                : Float(store.targets[i] / store.scales[i])
        }
    }
}

/// Feature rows of every (series, training origin) some fold uses, built once, with per row the
/// target (units), the origin's scale and log level, the horizon step (0-based) and the series.
final class TrainingRows: Sendable {
    let matrix: FeatureMatrix
    let targets: [Double], scales: [Double], logLevels: [Double]
    let steps: [Int], series: [Int]
    /// Series position -> origin -> its rows.
    let index: [[Int: Range<Int>]]

    init(
        matrix: FeatureMatrix, targets: [Double], scales: [Double], logLevels: [Double], steps: [Int], series: [Int],
        index: [[Int: Range<Int>]]
    ) {
        self.matrix = matrix
        self.targets = targets
        self.scales = scales
        self.logLevels = logLevels
        self.steps = steps
        self.series = series
        self.index = index
    }

    /// The selected rows to XGBoost, read in batches when it builds its matrix (no copy of them
    /// all); the last columns come from `attributes` when given (per series position: a fold's
    /// attributes as valid at its own cutoff).
    func source(_ selection: [Int], attributes: [[Float]]) -> FeatureSource {
        FeatureSource(rows: selection.count, columns: matrix.columns) { range, out in
            self.write(selection[range], attributes: attributes, to: out)
        }
    }

    private func write(_ rows: ArraySlice<Int>, attributes: [[Float]], to out: UnsafeMutablePointer<Float>) {
        let columns = matrix.columns
        matrix.values.withUnsafeBufferPointer { values in
            var at = out
            for i in rows {
                at.update(from: values.baseAddress! + i * columns, count: columns)
                if !attributes.isEmpty {
                    let own = attributes[series[i]]
                    (at + (columns - own.count)).update(from: own, count: own.count)
                }
                at += columns
            }
        }
    }
}

extension GlobalBoostedModel {
    /// Seconds between progress lines while boosting.
    public static let progressSeconds = 10.0

    /// Training origins of one series with cutoff index `cutoff`: t = cutoff - H - k * step for
    /// the plan's `recentPositions` k (the newest `recent`, or past the memory budget a sample
    /// spread over the history), then t = cutoff - lag + k * step (`seasonal` of them, a year back,
    /// from the cutoff's own window forward over the nights the version serves; their labels end
    /// before the cutoff too), each once. An origin a year back is used only
    /// with its long window of history behind it: rows from a series' first weeks, with partial
    /// windows, made the forecasts after a price shock worse (`make demo-ops`, 420 days).
    /// `stride`: the widest spacing of the recent origins, in steps (lineage).
    func originSets(cutoff: Int, plan: OriginPlan, seasonal: Int) -> (recent: [Int], yearBack: [Int], stride: Int) {
        let windows = FeatureWindows(frequency)
        let newest = cutoff - horizon
        let available = newest >= windows.short ? (newest - windows.short) / originStep + 1 : 0
        let positions = plan.recentPositions(available: available)
        let near = positions.map { newest - $0 * originStep }
        let stride = zip(positions, positions.dropFirst()).map { $1 - $0 }.max() ?? 1
        var back: [Int] = []
        for k in 0..<seasonal {
            let t = cutoff - windows.seasonalLag + k * originStep
            if t + horizon <= cutoff && t >= windows.long && !near.contains(t) { back.append(t) }
        }
        return (near, back, stride)
    }

    /// Trains on every series' history up to its cutoff index (`cutoffIndex(s)`; nil = not in scope).
    /// `predictionOrigins`: closing days of origins the model will forecast from (their competing
    /// prices are prepared too).
    /// `attributes`: names of the values in each series' `attributes` (extra feature columns).
    public func train(
        _ series: [GlobalSeries], cutoffIndex: (GlobalSeries) -> Int?, calendar: CalendarFacts,
        predictionOrigins: Set<Int> = [], attributes: [String] = []
    ) throws -> Trained {
        try train(
            prepare(
                series, cutoffIndex: cutoffIndex, calendar: calendar, predictionOrigins: predictionOrigins,
                attributes: attributes))
    }

    /// The training rows `train` fits (same arguments): origins before each series' cutoff, every
    /// horizon step, censored (stockout) targets left out. Any model of this horizon and frequency can fit them.
    public func prepare(
        _ series: [GlobalSeries], cutoffIndex: (GlobalSeries) -> Int?, calendar: CalendarFacts,
        predictionOrigins: Set<Int> = [], attributes: [String] = []
    ) throws -> TrainingSet {
        try prepare(
            folds: [series], cutoffIndices: [series.map(cutoffIndex)], calendar: calendar,
            predictionOrigins: predictionOrigins, attributes: attributes)[0]
    }

    /// Training rows for several cutoffs of the same series (a backtest's folds), each exactly what
    /// `prepare` builds for that fold alone, with the rows the folds have in common built once.
    /// `folds[f]`: the series as fold f sees them (same series in the same order; only their
    /// attributes, as valid at the fold's cutoff, may differ); `cutoffIndices[f][i]`: series i's
    /// cutoff index in fold f (nil = not in that fold's scope).
    public func prepare(
        folds: [[GlobalSeries]], cutoffIndices: [[Int?]], calendar: CalendarFacts,
        predictionOrigins: Set<Int> = [], attributes: [String] = []
    ) throws -> [TrainingSet] {
        guard let series = folds.first else { return [] }
        var builder = FeatureBuilder(
            calendar: calendar, frequency: frequency, promoTypes: FeatureBuilder.promoTypes(series),
            attributes: attributes, featureSet: featureSet)
        // Per fold: origins per series, and each series' training origins.
        let plans: [(origins: Int, counts: OriginCounts, perSeries: [[Int]])] = cutoffIndices.map { cutoffs in
            let inScope = cutoffs.filter { $0 != nil }.count
            let plan =
                self.origins.map { OriginPlan(recent: $0, seasonal: 0, extraSeasonal: 0) }
                ?? FeatureWindows(frequency).plan(
                    series: inScope, horizon: horizon, columns: builder.columnCount,
                    budgetBytes: trainingBytes, rowCap: rowCap)
            let inScopePositions = series.indices.filter { cutoffs[$0] != nil }
            let extra = plan.extraSeries(inScope: inScopePositions)
            let sample = plan.seriesSample(inScope: inScopePositions)
            var counts = OriginCounts()
            if sample != nil {
                counts.scopeSeries = inScopePositions.count
                counts.rowCap = rowCap
            }
            if plan.budgeted != nil {
                counts.budgetBytes = trainingBytes
                counts.budgetRows = trainingBytes / FeatureWindows.bytesPerRow(columns: builder.columnCount)
            }
            let perSeries = series.indices.map { i -> [Int] in
                guard let cutoff = cutoffs[i], cutoff < series[i].values.count, sample?.contains(i) ?? true else { return [] }
                let seasonal = plan.seasonal + (extra.contains(i) ? 1 : 0)
                let (recent, yearBack, stride) = originSets(cutoff: cutoff, plan: plan, seasonal: seasonal)
                counts.add(recent: recent.count, yearBack: yearBack.count, stride: stride)
                return recent + yearBack
            }
            // Lineage: the most origins a series learned from (a year back only where the history reaches).
            return (perSeries.map(\.count).max() ?? 0, counts, perSeries)
        }
        var originDays = predictionOrigins
        for plan in plans {
            for (i, ts) in plan.perSeries.enumerated() { for t in ts { originDays.insert(series[i].days(ofPeriod: t).upperBound) } }
        }
        builder.categoryPrices = CategoryPrices.build(series, origins: originDays, horizon: horizon)
        // A series' rows depend on that series alone: slices of series are built in parallel, then
        // joined in series order (the same rows in the same order as one loop over the series).
        let rowBuilder = builder, rowHorizon = horizon
        let origins = series.indices.map { i in Set(plans.flatMap { $0.perSeries[i] }).sorted() }
        let sliceCount = min(series.count, 8 * max(1, ProcessInfo.processInfo.activeProcessorCount))
        let slices = Mutex<[Int: RowSlice]>([:])
        DispatchQueue.concurrentPerform(iterations: sliceCount) { k in
            var slice = RowSlice(columns: rowBuilder.columnCount)
            for i in (series.count * k / sliceCount)..<(series.count * (k + 1) / sliceCount) {
                slice.add(series[i], position: i, origins: origins[i], builder: rowBuilder, horizon: rowHorizon)
            }
            slices.withLock { $0[k] = slice }
        }
        // Reserved once at the final size, and each slice freed as soon as it is copied, so that the
        // rows are never held three times over while growing (at 100k series they are ~0.7 GB).
        var joined = RowSlice(columns: builder.columnCount, reservingRows: slices.withLock { $0.values.reduce(0) { $0 + $1.targets.count } })
        for k in 0..<sliceCount { if let slice = slices.withLock({ $0.removeValue(forKey: k) }) { joined.append(slice) } }
        var index = [[Int: Range<Int>]](repeating: [:], count: series.count)
        for (i, t, range) in joined.index { index[i][t] = range }
        let store = TrainingRows(
            matrix: joined.matrix, targets: joined.targets, scales: joined.scales, logLevels: joined.logLevels,
            steps: joined.steps, series: joined.owners, index: index)
        return try zip(folds, plans).map { foldSeries, plan in
            let selection = plan.perSeries.enumerated().flatMap { i, ts in ts.flatMap { index[i][$0] ?? 0..<0 } }
            guard !selection.isEmpty else {
                throw ForecastError.tooShort(
                    model: name, needed: horizon + FeatureWindows(frequency).short + 1,
                    got: series.map(\.values.count).max() ?? 0)
            }
            let fold = attributes.isEmpty ? [] : foldSeries.map(\.attributes)
            return TrainingSet(
                builder: builder, horizon: horizon, frequency: frequency, origins: plan.origins,
                originCounts: plan.counts, store: store,
                selection: selection,
                matrix: TrainingMatrix(
                    store.source(selection, attributes: fold),
                    featureTypes: featureSet == .categorical ? builder.spec.featureTypes : nil))
        }
    }

    /// Fits this model's objective on prepared rows (of this model's horizon and frequency).
    /// `progress`: a line for people every `every` seconds while boosting ("round 60/150, 21 s").
    public func train(_ set: TrainingSet, progress: ((String) -> Void)? = nil, every: Double = progressSeconds) throws -> Trained {
        precondition(
            set.horizon == horizon && set.frequency == frequency && set.builder.featureSet == featureSet,
            "training set of another horizon, frequency or feature set")
        let labels = set.labels(objective)
        let parameters = parameters(rows: labels.count)
        let started = Date()
        var reported = started
        let rounds = schedule(rows: labels.count).rounds
        let total = rounds
        let each: ((Int) -> Void)? = progress.map { say in
            { done in
                let now = Date()
                guard now.timeIntervalSince(reported) >= every, done < total else { return }
                reported = now
                say("round \(done)/\(total), \(Int(now.timeIntervalSince(started))) s")
            }
        }
        let (booster, fitted) = try Booster.trainWithFitted(
            set.matrix, labels: labels, parameters: parameters, rounds: rounds,
            progress: each)
        var residuals = [[Double]](repeating: [], count: horizon)
        for i in 0..<labels.count { residuals[set.store.steps[set.selection[i]]].append(Double(labels[i] - fitted[i])) }
        return Trained(
            booster: booster, builder: set.builder, horizon: horizon, objective: objective,
            residuals: residuals.map { $0.sorted() }, trainingRows: labels.count, origins: set.origins,
            originCounts: set.originCounts, parameters: parameters)
    }
}

/// Training rows of consecutive series (part of `prepare`): each origin's rows with their targets,
/// scales, log levels, steps and owners, and where each (series, origin) starts and ends.
private struct RowSlice {
    var matrix: FeatureMatrix
    var targets: [Double] = [], scales: [Double] = [], logLevels: [Double] = []
    var steps: [Int] = [], owners: [Int] = []
    /// (series position, origin, its rows).
    var index: [(Int, Int, Range<Int>)] = []

    init(columns: Int, reservingRows rows: Int = 0) {
        matrix = FeatureMatrix(columns: columns, reservingRows: rows)
        targets.reserveCapacity(rows)
        scales.reserveCapacity(rows)
        logLevels.reserveCapacity(rows)
        steps.reserveCapacity(rows)
        owners.reserveCapacity(rows)
    }

    mutating func add(_ s: GlobalSeries, position i: Int, origins: [Int], builder: FeatureBuilder, horizon: Int) {
        let prefix = LogPrefix(s.values)
        for t in origins {
            let first = targets.count
            let scale = builder.scale(s.values, origin: t)
            let levels = builder.levels(s.values, origin: t, prefix: prefix)
            for h in 1...horizon where !s.censored[t + h] {
                matrix.append(builder.row(s, origin: t, horizon: h, scale: scale, levels: levels))
                targets.append(max(0, s.values[t + h]))
                scales.append(scale)
                logLevels.append(levels.level)
                steps.append(h - 1)
                owners.append(i)
            }
            index.append((i, t, first..<targets.count))
        }
    }

    mutating func append(_ other: RowSlice) {
        let offset = targets.count
        matrix.values.append(contentsOf: other.matrix.values)
        targets += other.targets
        scales += other.scales
        logLevels += other.logLevels
        steps += other.steps
        owners += other.owners
        index += other.index.map { ($0.0, $0.1, ($0.2.lowerBound + offset)..<($0.2.upperBound + offset)) }
    }
}
