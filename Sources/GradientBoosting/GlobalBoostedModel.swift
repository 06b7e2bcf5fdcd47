import Forecasting
import Foundation

/// One gradient-boosted model across all series of a scope (XGBoost). Trained on forecast origins
/// before the cutoff (`FeatureWindows.plan`: for daily series 6 weekly origins, for weekly ones 26
/// consecutive weeks, more for small panels, up to 5 years within a row budget; and 5 a year back,
/// over last year's windows of the nights a version serves; shared within a row cap), every
/// horizon 1...H each, using only history up to each origin and labels up to the cutoff; censored
/// (stockout) targets are left out. Deterministic: fixed seed, no row or column subsampling,
/// `nthread` 1 by default (see RECIPES: OpenMP on shared cores).
public struct GlobalBoostedModel: Sendable {
    public var horizon: Int
    public var frequency: Frequency
    public var objective: BoostingObjective
    /// Recent origins per series, set by hand (then none a year back); nil: `FeatureWindows.plan(series:horizon:columns:rowCap:)`.
    public var origins: Int?
    /// Most training rows per fold (memory): `FeatureWindows.rowCap`.
    public var rowCap = FeatureWindows.rowCap
    /// The memory the training rows may take before origins are sampled: `FeatureWindows.trainingBytes`.
    public var trainingBytes = FeatureWindows.trainingBytes
    public var originStep: Int
    /// Boosting rounds and step size: 150 x 0.08 for daily series; 100 x 0.12 for weekly ones (as
    /// accurate on the weekly benchmarks, a third less training time); 300 x 0.05 for the log
    /// objectives, halved in rounds and doubled in step from `coarseBinRows` rows (`schedule`).
    public var rounds: Int
    public var eta: String

    /// Rounds and step for a training set of `rows` rows. The log objectives need 300 small steps
    /// on a small panel (real weekly panels, WAPE at 300 x 0.05 / 150 x 0.1: cheese XGBoost[log]
    /// 21.2 / 21.6, tuna 42.4 / 42.9), but not on a large one (the weekly bench catalogue, 1,000
    /// series: the combination 14.3% either way), where they cost twice the time: 150 x 0.1 there.
    public func schedule(rows: Int) -> (rounds: Int, eta: String) {
        guard objective.inLogSpace, rows >= Self.coarseBinRows, let step = Double(eta) else { return (rounds, eta) }
        return (max(1, rounds / 2), String(format: "%g", 2 * step))
    }
    public var threads = 1
    /// The features its rows carry (`FeatureSet`).
    public var featureSet = FeatureSet.longMemory
    /// Training sets of at least this many rows are binned into `coarseBins` histogram bins instead
    /// of XGBoost's 256: the histogram work of every round grows with rows x bins, and a bin still
    /// holds hundreds of rows. Measured (same folds, same seed): weekly catalogue, 78k rows: WAPE
    /// 12.5% either way, 16% less training CPU; daily demo, 330k rows: 19.4% either way, 7% less.
    /// Small panels keep 256, where the resolution matters (real tuna panel, 6k rows: 47.8% -> 54.0%).
    public static let coarseBinRows = 50_000
    public static let coarseBins = 64

    /// XGBoost parameters for a training set of `rows` rows (recorded with every artifact).
    public func parameters(rows: Int) -> [(String, String)] {
        objective.parameters + objective.growth + [
            ("eta", schedule(rows: rows).eta), ("tree_method", "hist"),
            ("max_bin", String(rows >= Self.coarseBinRows ? Self.coarseBins : 256)),
            ("nthread", String(threads)), ("seed", "0"), ("subsample", "1"), ("colsample_bytree", "1"),
        ]
    }

    public init(horizon: Int, frequency: Frequency = .day, objective: BoostingObjective = .tweedie) {
        self.horizon = horizon
        self.frequency = frequency
        self.objective = objective
        originStep = FeatureWindows(frequency).originStep
        featureSet = objective.featureSet
        (rounds, eta) = objective.inLogSpace ? (300, "0.05") : frequency == .day ? (150, "0.08") : (100, "0.12")
    }

    /// `XGBoost` (Tweedie, the mean), `XGBoost[L1]` (absolute error, the median) or `XGBoost[log]`
    /// (pseudo-Huber on the log level, the median).
    public static func name(_ objective: BoostingObjective) -> String {
        switch objective {
        case .tweedie: return "XGBoost"
        case .absoluteError: return "XGBoost[L1]"
        case .logLevel: return "XGBoost[log]"
        case .logDepthwise: return "XGBoost[log,depth]"
        case .logCategorical: return "XGBoost[log,cat]"
        }
    }
    public var name: String { Self.name(objective) }

    /// What a stored model needs besides its booster bytes to predict exactly as when trained.
    public struct Encodings: Codable, Sendable, Equatable {
        public var horizon: Int
        public var promoTypes: [String]
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
        /// Competing items' prices at the prediction origin (workers cannot see other series).
        public var categoryPrices = CategoryPrices()
        public var frequency: Frequency = .day
        public var objective: BoostingObjective = .tweedie
        /// Feature names in column order (lineage: `FeatureSpec`).
        public var features: [String] = []
        /// Item codes of the categorical booster (a code is the position; nil for the others and
        /// for artifacts stored before it existed).
        public var items: [String]?
        /// Training origins per series (lineage; the most any series has).
        public var origins = 0
        /// The origins of every series, recent and a year back (lineage; nil in artifacts stored before it was recorded).
        public var originCounts: OriginCounts?
        /// Extra item/location attributes in column order, and the sorted values of string ones (their codes).
        public var attributes: [String] = []
        public var attributeCodes: [String: [String]] = [:]
        /// The rows' feature set (nil in artifacts stored before issue 28: `base`).
        public var featureSet: FeatureSet?
    }

    public struct Trained: Sendable {
        let booster: Booster
        let builder: FeatureBuilder
        let horizon: Int
        public let objective: BoostingObjective
        /// Scaled training residuals per horizon step, sorted.
        let residuals: [[Double]]
        public let trainingRows: Int
        /// Training origins per series.
        public let origins: Int
        public let originCounts: OriginCounts?
        /// The XGBoost parameters it was fitted with (lineage; empty for a restored model).
        public var parameters: [(String, String)] = []
        var fixedQuantiles: (level: Double, lower: [Double], upper: [Double])?

        public var featureSpec: FeatureSpec { builder.spec }

        /// Restores a stored model.
        public init(serialized: [UInt8], encodings: Encodings, calendar: [(day: Int, holiday: Bool, event: String?)]) throws {
            booster = try Booster(serialized: serialized)
            var b = FeatureBuilder(
                calendar: CalendarFacts(rows: calendar, eventCodes: encodings.eventCodes),
                frequency: encodings.frequency, promoTypes: encodings.promoTypes, attributes: encodings.attributes,
                featureSet: encodings.featureSet ?? .base)
            b.categoryPrices = encodings.categoryPrices
            builder = b
            horizon = encodings.horizon
            objective = encodings.objective
            residuals = []
            trainingRows = encodings.trainingRows
            origins = encodings.origins
            originCounts = encodings.originCounts
            fixedQuantiles = (encodings.level, encodings.lower, encodings.upper)
        }

        init(
            booster: Booster, builder: FeatureBuilder, horizon: Int, objective: BoostingObjective, residuals: [[Double]], trainingRows: Int, origins: Int,
            originCounts: OriginCounts?, parameters: [(String, String)]
        ) {
            self.parameters = parameters
            self.booster = booster
            self.builder = builder
            self.horizon = horizon
            self.objective = objective
            self.residuals = residuals
            self.trainingRows = trainingRows
            self.origins = origins
            self.originCounts = originCounts
        }

        /// What to store with the booster; `predictionOrigin` (the cutoff day) keeps only the
        /// competing prices the workers will need.
        public func encodings(
            level: Double, categories: [String], regions: [String], locations: [String],
            families: [String] = [], attributeCodes: [String: [String]] = [:], items: [String] = [],
            predictionOrigin: Int
        ) -> Encodings {
            var e = Encodings(
                horizon: horizon, promoTypes: builder.promoTypes, eventCodes: builder.calendar.eventCodes,
                categories: categories, regions: regions, level: level,
                lower: residuals.map { $0.isEmpty ? 0 : quantile($0, (1 - level) / 2) },
                upper: residuals.map { $0.isEmpty ? 0 : quantile($0, (1 + level) / 2) }, trainingRows: trainingRows,
                locations: locations, families: families, categoryPrices: builder.categoryPrices.only(originDay: predictionOrigin),
                frequency: builder.frequency, objective: objective, features: builder.spec.names, origins: origins,
                originCounts: originCounts, attributes: builder.attributes, attributeCodes: attributeCodes,
                featureSet: builder.featureSet)
            // Only the categorical booster reads item codes: the others store none (smaller artifacts).
            if builder.featureSet == .categorical { e.items = items }
            return e
        }

        /// Forecast h = 1...horizon from origin t (index into the series).
        public func forecast(_ s: GlobalSeries, origin t: Int, level: Double) throws -> Forecast {
            try forecast([(s, t)], level: level)[0]
        }

        /// Series per prediction call of `forecast(_:level:)`: XGBoost's per-call cost is paid once
        /// per 4,096 series, and the features of a call stay small (at horizon 28 and 40 columns,
        /// 18 MB; one call for a backtest fold of 100k series held 0.45 GB).
        static let predictionBatch = 4_096

        /// Forecasts for many (series, origin) pairs, `predictionBatch` of them per prediction call.
        public func forecast(_ items: [(series: GlobalSeries, origin: Int)], level: Double) throws -> [Forecast] {
            var out: [Forecast] = []
            out.reserveCapacity(items.count)
            for start in stride(from: 0, to: items.count, by: Self.predictionBatch) {
                out += try forecastBatch(items[start..<min(items.count, start + Self.predictionBatch)], level: level)
            }
            return out
        }

        private func forecastBatch(_ items: ArraySlice<(series: GlobalSeries, origin: Int)>, level: Double) throws -> [Forecast] {
            var m = FeatureMatrix(columns: builder.columnCount, reservingRows: items.count * horizon)
            var scales: [Double] = []
            scales.reserveCapacity(items.count)
            for (s, t) in items {
                let scale = builder.scale(s.values, origin: t)
                let levels = builder.levels(s.values, origin: t)
                scales.append(objective.inLogSpace ? levels.level : scale)
                for h in 1...horizon { m.append(builder.row(s, origin: t, horizon: h, scale: scale, levels: levels)) }
            }
            let p = items.isEmpty ? [] : try booster.predict(m)
            return scales.indices.map { i in
                forecast(predicted: p[(i * horizon)..<((i + 1) * horizon)], scale: scales[i], level: level)
            }
        }

        /// From predicted labels to units: `scale` is the series' recent mean (label = y / scale) or,
        /// for the log objective, its log level (label = log(1 + y) - level).
        private func forecast(predicted p: ArraySlice<Float>, scale: Double, level: Double) -> Forecast {
            func units(_ label: Double) -> Double {
                objective.inLogSpace ? Foundation.expm1(min(label + scale, 700)) : label * scale
            }
            let labels = p.map(Double.init)
            let mean = labels.map { max(0, units($0)) }
            var lower = mean, upper = mean
            var quantiles: [(Double, Double)] = []
            if let fixed = fixedQuantiles {
                quantiles = (0..<min(horizon, fixed.lower.count)).map { (fixed.lower[$0], fixed.upper[$0]) }
            } else {
                quantiles = (0..<horizon).map { h in
                    residuals[h].isEmpty ? (0, 0) : (quantile(residuals[h], (1 - level) / 2), quantile(residuals[h], (1 + level) / 2))
                }
            }
            for (h, (lo, hi)) in quantiles.enumerated() {
                lower[h] = min(mean[h], units(labels[h] + min(0, lo)))
                upper[h] = max(mean[h], units(labels[h] + max(0, hi)))
            }
            return Forecast(mean: mean, lower: lower, upper: upper, level: level).clampedNonNegative()
        }

        public func serialized() throws -> [UInt8] { try booster.serialized() }
    }
}
