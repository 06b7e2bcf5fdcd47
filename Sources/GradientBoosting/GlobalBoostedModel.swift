import Forecasting

/// One gradient-boosted model across all series of a scope (XGBoost, Tweedie loss on the scaled
/// target: suited to non-negative, often-zero counts). Trained on `origins` weekly forecast
/// origins before the cutoff, every horizon 1...H each, using only history up to each origin and
/// labels up to the cutoff; censored (stockout) targets are left out. Deterministic: fixed seed,
/// no row or column subsampling, `nthread` 1 by default (see RECIPES: OpenMP on shared cores).
public struct GlobalBoostedModel: Sendable {
    public var horizon: Int
    public var origins = 6
    public var originStep = 7
    public var rounds = 150
    public var threads = 1
    public var parameters: [(String, String)] {
        [("objective", "reg:tweedie"), ("tweedie_variance_power", "1.3"), ("max_depth", "6"), ("eta", "0.08"),
         ("min_child_weight", "5"), ("tree_method", "hist"), ("nthread", String(threads)), ("seed", "0"),
         ("subsample", "1"), ("colsample_bytree", "1")]
    }

    public init(horizon: Int) { self.horizon = horizon }

    public static let name = "XGBoost"

    /// What a stored model needs besides its booster bytes to predict exactly as when trained.
    public struct Encodings: Codable, Sendable, Equatable {
        public var horizon: Int
        public var promoTypes: [String: Int]
        public var eventCodes: [String: Int]
        public var categories: [String]
        public var regions: [String]
        public var level: Double
        /// Scaled in-sample residual quantiles per horizon step at `level`.
        public var lower: [Double]
        public var upper: [Double]
        public var trainingRows: Int
        public var locations: [String] = []
        public var families: [String] = []
        /// Category prices at the prediction origin (competing items that workers cannot see).
        public var categoryPrices = CategoryPrices()
    }

    public struct Trained: Sendable {
        let booster: Booster
        let builder: FeatureBuilder
        let horizon: Int
        /// Scaled training residual quantiles per horizon step: (sorted residuals).
        let residuals: [[Double]]
        public let trainingRows: Int
        var fixedQuantiles: (level: Double, lower: [Double], upper: [Double])?

        /// Restores a stored model.
        public init(serialized: [UInt8], encodings: Encodings, calendar: [(day: Int, holiday: Bool, event: String?)]) throws {
            booster = try Booster(serialized: serialized)
            var b = FeatureBuilder(calendar: CalendarFacts(rows: calendar, eventCodes: encodings.eventCodes))
            b.promoTypes = encodings.promoTypes
            b.categoryPrices = encodings.categoryPrices
            builder = b
            horizon = encodings.horizon
            residuals = []
            trainingRows = encodings.trainingRows
            fixedQuantiles = (encodings.level, encodings.lower, encodings.upper)
        }

        init(booster: Booster, builder: FeatureBuilder, horizon: Int, residuals: [[Double]], trainingRows: Int) {
            self.booster = booster
            self.builder = builder
            self.horizon = horizon
            self.residuals = residuals
            self.trainingRows = trainingRows
        }

        /// What to store with the booster; `predictionOrigin` keeps only the category prices the
        /// workers will need (those known at the run's cutoff).
        public func encodings(level: Double, categories: [String], regions: [String], locations: [String],
                              families: [String] = [], predictionOrigin: Int) -> Encodings {
            var prices = CategoryPrices()
            prices.table = builder.categoryPrices.table.filter { $0.key.hasSuffix("|\(predictionOrigin)") }
            return Encodings(horizon: horizon, promoTypes: builder.promoTypes, eventCodes: builder.calendar.eventCodes,
                             categories: categories, regions: regions, level: level,
                             lower: residuals.map { $0.isEmpty ? 0 : quantile($0, (1 - level) / 2) },
                             upper: residuals.map { $0.isEmpty ? 0 : quantile($0, (1 + level) / 2) }, trainingRows: trainingRows,
                             locations: locations, families: families, categoryPrices: prices)
        }

        /// Forecast h = 1...horizon from origin t (index into the series).
        public func forecast(_ s: GlobalSeries, origin t: Int, level: Double) throws -> Forecast {
            let scale = FeatureBuilder.scale(s.values, origin: t)
            var m = FeatureMatrix(columns: FeatureSpec.features.count, reservingRows: horizon)
            for h in 1...horizon { m.append(builder.row(s, origin: t, horizon: h, scale: scale)) }
            let p = try booster.predict(m)
            let mean = p.map { max(0, Double($0) * scale) }
            var lower = mean, upper = mean
            if let fixed = fixedQuantiles {
                for h in 0..<min(horizon, fixed.lower.count) {
                    lower[h] = mean[h] + min(0, fixed.lower[h]) * scale
                    upper[h] = mean[h] + max(0, fixed.upper[h]) * scale
                }
            } else {
                for h in 0..<horizon where !residuals[h].isEmpty {
                    lower[h] = mean[h] + min(0, quantile(residuals[h], (1 - level) / 2)) * scale
                    upper[h] = mean[h] + max(0, quantile(residuals[h], (1 + level) / 2)) * scale
                }
            }
            return Forecast(mean: mean, lower: lower, upper: upper, level: level).clampedNonNegative()
        }

        public func serialized() throws -> [UInt8] { try booster.serialized() }
    }

    /// Trains on every series' history up to its cutoff index (`cutoffIndex(s)`; nil = not in scope).
    /// `predictionOrigins`: days the model will forecast from (their category prices are prepared too).
    public func train(_ series: [GlobalSeries], cutoffIndex: (GlobalSeries) -> Int?, calendar: CalendarFacts,
                      predictionOrigins: Set<Int> = []) throws -> Trained {
        var builder = FeatureBuilder(calendar: calendar)
        builder.promoTypes = FeatureBuilder.promoTypes(series)
        var originDays = predictionOrigins
        for s in series {
            guard let cutoff = cutoffIndex(s) else { continue }
            for k in 0..<origins where cutoff - horizon - k * originStep >= 7 { originDays.insert(s.startDay + cutoff - horizon - k * originStep) }
        }
        builder.categoryPrices = CategoryPrices.build(series, origins: originDays, horizon: horizon)
        var m = FeatureMatrix(columns: FeatureSpec.features.count, reservingRows: series.count * origins * horizon)
        var labels: [Float] = []
        var rowStep: [Int] = []
        for s in series {
            guard let cutoff = cutoffIndex(s), cutoff < s.values.count else { continue }
            for k in 0..<origins {
                let t = cutoff - horizon - k * originStep
                guard t >= 7 else { break }
                let scale = FeatureBuilder.scale(s.values, origin: t)
                for h in 1...horizon where !s.censored[t + h] {
                    m.append(builder.row(s, origin: t, horizon: h, scale: scale))
                    labels.append(Float(max(0, s.values[t + h]) / scale))
                    rowStep.append(h - 1)
                }
            }
        }
        guard m.rows > 0 else {
            throw ForecastError.tooShort(model: Self.name, needed: horizon + 8, got: series.map(\.values.count).max() ?? 0)
        }
        let booster = try Booster.train(m, labels: labels, parameters: parameters, rounds: rounds)
        let fitted = try booster.predict(m)
        var residuals = [[Double]](repeating: [], count: horizon)
        for i in 0..<labels.count { residuals[rowStep[i]].append(Double(labels[i] - fitted[i])) }
        return Trained(booster: booster, builder: builder, horizon: horizon,
                       residuals: residuals.map { $0.sorted() }, trainingRows: labels.count)
    }
}
