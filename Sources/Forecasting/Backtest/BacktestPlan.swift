/// Rolling-origin evaluation: which slices of a series each fold trains on and forecasts.
///
/// Periods are indices into one series. The newest fold's last target period is `lastIndex`;
/// each earlier fold's cutoff is `step` periods before the next one. Fold k forecasts periods
/// `cutoff+gap+1 ... cutoff+gap+horizon` from data up to and including `cutoff` (the gap is the
/// lead time: with gap 1 a forecast made on Monday is judged on Wednesday onwards).
public struct BacktestPlan: Sendable, Equatable {
    public enum Window: Sendable, Equatable {
        case expanding
        /// Train on at most this many periods ending at the cutoff.
        case sliding(Int)
    }

    public let folds: Int
    public let step: Int
    /// Periods between fold cutoffs when none is given, for `backtest` and `train` alike: a week
    /// of days; two weeks (12 weekly folds then span half a year, not 84 weeks of history).
    public static func defaultStep(_ frequency: Frequency) -> Int { frequency == .day ? 7 : 2 }
    public let horizon: Int
    public let gap: Int
    public let window: Window

    public init(folds: Int, step: Int, horizon: Int, gap: Int = 0, window: Window = .expanding) throws {
        guard folds >= 1 else { throw ForecastError.invalidParameter(model: "Backtest", message: "folds must be at least 1, got \(folds)") }
        guard step >= 1 else { throw ForecastError.invalidParameter(model: "Backtest", message: "step must be at least 1, got \(step)") }
        guard horizon >= 1 else { throw ForecastError.invalidHorizon(horizon) }
        guard gap >= 0 else { throw ForecastError.invalidParameter(model: "Backtest", message: "gap must be at least 0, got \(gap)") }
        if case .sliding(let n) = window, n < 1 {
            throw ForecastError.invalidParameter(model: "Backtest", message: "sliding window must be at least 1, got \(n)")
        }
        self.folds = folds
        self.step = step
        self.horizon = horizon
        self.gap = gap
        self.window = window
    }

    public struct Fold: Sendable, Equatable {
        /// 0 = oldest.
        public let index: Int
        /// Last training period (inclusive), as an offset from the newest fold's cutoff: 0 for the newest.
        public let cutoffOffset: Int
    }

    /// Folds oldest first. Offsets are relative to the newest cutoff (negative = earlier).
    public var foldOffsets: [Fold] {
        (0..<folds).map { k in Fold(index: k, cutoffOffset: -(folds - 1 - k) * step) }
    }

    /// How many periods after a fold's cutoff the evaluation reaches.
    public var reach: Int { gap + horizon }

    /// The slice of one series (indices) used to train fold `fold`, given the series index of the
    /// newest cutoff; nil when the fold's cutoff is before the series starts.
    public func trainingRange(newestCutoff: Int, fold: Fold) -> Range<Int>? {
        let cutoff = newestCutoff + fold.cutoffOffset
        guard cutoff >= 0 else { return nil }
        let start: Int
        switch window {
        case .expanding: start = 0
        case .sliding(let n): start = max(0, cutoff - n + 1)
        }
        return start..<(cutoff + 1)
    }
}
