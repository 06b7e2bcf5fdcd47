import Forecasting
import Postgres

/// Scores every model on every fold of one series and encodes the result rows.
struct FoldEvaluator: Sendable {
    let plan: BacktestPlan
    let models: [any ForecastModel]
    let modelNames: [String]
    let cutoffs: [PostgresDate]
    let newestCutoff: PostgresDate
    let reader: SeriesReader
    let level: Double
    let seasonLength: Int
    let backtestID: Int64

    static let columns = "backtest_id, model_name, served_model, fold, cutoff, item_id, location_id, ds, horizon, yhat, yhat_lower, yhat_upper, actual, demand_class"

    func evaluate(_ s: SeriesInput, category: String, region: String,
                  into writer: inout BinaryCopyWriter, groups: inout [BacktestReport.Key: ErrorAccumulator]) {
        var sample = ScoreSample(expectedPoints: 1)
        evaluate(s, category: category, region: region, into: &writer, groups: &groups, scores: &sample)
    }

    func evaluate(_ s: SeriesInput, category: String, region: String, into writer: inout BinaryCopyWriter,
                  groups: inout [BacktestReport.Key: ErrorAccumulator], scores: inout ScoreSample) {
        let step = reader.frequency.stepDays
        let newestIndex = (reader.periodStart(newestCutoff).unixDays - s.start.unixDays) / step
        guard newestIndex >= 0 else { return }
        // The class is judged on history up to the newest cutoff only.
        let demandClass = DemandClass.classify(Array(s.values[0...min(newestIndex, s.values.count - 1)])).rawValue
        for fold in plan.foldOffsets {
            guard let range = plan.trainingRange(newestCutoff: newestIndex, fold: fold), !range.isEmpty else { continue }
            let cutoffIndex = range.upperBound - 1
            // Leakage guard: the models see nothing after the fold's cutoff.
            let training = Censoring.impute(Array(s.values[range]), censored: Array(s.censored[range]))
            let scales = seasonalScales(training, seasonLength: seasonLength)
            let scoreScale = conformalScale(training, seasonLength: seasonLength)
            var actual: [Double] = []
            for h in 1...plan.horizon {
                let t = cutoffIndex + plan.gap + h
                actual.append(t < s.values.count && !s.censored[t] ? s.values[t] : .nan)
            }
            for (m, model) in models.enumerated() {
                guard let fitted = try? model.fit(training),
                      let full = try? fitted.predict(horizon: plan.reach, level: level) else { continue }
                let f = full.clampedNonNegative()
                let mean = Array(f.mean.suffix(plan.horizon)), lower = Array(f.lower.suffix(plan.horizon)),
                    upper = Array(f.upper.suffix(plan.horizon))
                var acc = ErrorAccumulator()
                acc.add(actual: actual, forecast: mean, lower: lower, upper: upper, level: level,
                        maeScale: scales.mae, mseScale: scales.mse)
                for h in 0..<plan.horizon where actual[h].isFinite {
                    scores.add(ScoreSample.ScoreKey(model: m, fold: fold.index, step: h), series: s.seriesNo,
                               score: (actual[h] - mean[h]) / scoreScale, scale: scoreScale)
                }
                let name = modelNames[m]
                for (kind, value) in [("all", "all"), ("fold", String(fold.index)), ("category", category),
                                      ("region", region), ("class", demandClass), ("foldclass", "\(fold.index)|\(demandClass)")] {
                    groups[BacktestReport.Key(model: name, kind: kind, value: value), default: ErrorAccumulator()].merge(acc)
                }
                for h in 0..<plan.horizon {
                    let target = PostgresDate(unixDays: s.start.unixDays + (cutoffIndex + plan.gap + h + 1) * step)
                    writer.beginRow(fieldCount: 14)
                    writer.append(backtestID)
                    writer.append(name)
                    writer.append(fitted.modelName)
                    writer.append(Int32(fold.index))
                    writer.append(cutoffs[fold.index])
                    writer.append(s.itemID)
                    writer.append(s.locationID)
                    writer.append(target)
                    writer.append(Int32(plan.gap + h + 1))
                    writer.append(mean[h])
                    writer.append(lower[h])
                    writer.append(upper[h])
                    if actual[h].isFinite { writer.append(actual[h]) } else { writer.appendNull() }
                    writer.append(demandClass)
                }
            }
        }
    }
}
