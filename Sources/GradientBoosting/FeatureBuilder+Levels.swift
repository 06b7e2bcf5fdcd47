import Forecasting
import Foundation

/// A series' demand levels in log space at one origin, computed once per origin (every horizon
/// step's row shares them): the current level the log objective's labels are relative to, and the
/// long-memory means the rows carry as features.
struct OriginLevels: Sendable, Equatable {
    /// The current level the log objective's labels are relative to. Feature set `longMemory`:
    /// robust to promotion spikes, the median of log(1 + y) over the long window up to the origin
    /// (`FeatureWindows.long`: 28 days, 13 weeks); `base`: the mean over the short window.
    let level: Double
    /// Mean of log(1 + y) over each of `FeatureWindows.logWindows` up to the origin (a shorter
    /// history: over what there is), then over the whole history.
    let means: [Double]
}

/// Running sums of log(1 + max(0, y)) of one series: `sums[t]` is the sum over periods 0..<t, so a
/// window's mean costs two reads however long it is.
struct LogPrefix: Sendable {
    let sums: [Double]

    init(_ y: [Double]) {
        var sums = [Double](repeating: 0, count: y.count + 1)
        for (i, v) in y.enumerated() { sums[i + 1] = sums[i] + Foundation.log1p(max(0, v)) }
        self.sums = sums
    }

    /// Mean of log(1 + y) over the `n` periods ending at `t` (fewer at the start of the history).
    func mean(last n: Int, endingAt t: Int) -> Double {
        let from = max(0, t + 1 - n)
        return (sums[t + 1] - sums[from]) / Double(t + 1 - from)
    }
}

extension FeatureBuilder {
    /// The levels at origin `t`; `prefix`: the series' `LogPrefix` when many origins of it are built.
    func levels(_ y: [Double], origin t: Int, prefix: LogPrefix? = nil) -> OriginLevels {
        let p = prefix ?? LogPrefix(Array(y[0...t]))
        guard featureSet.hasLongMemory else { return OriginLevels(level: p.mean(last: windows.short, endingAt: t), means: []) }
        var window = y[max(0, t - windows.long + 1)...t].map { Foundation.log1p(max(0, $0)) }
        window.sort()
        let mid = window.count / 2
        let level = window.count % 2 == 1 ? window[mid] : (window[mid - 1] + window[mid]) / 2
        let means = windows.logWindows.map { p.mean(last: $0, endingAt: t) } + [p.mean(last: t + 1, endingAt: t)]
        return OriginLevels(level: level, means: means)
    }

    /// The level columns of a row (`FeatureSpec`): the level, each long-memory mean, and each mean
    /// as a distance from the level (where demand stands against its own past).
    func levelColumns(_ levels: OriginLevels) -> [Float] {
        [Float(levels.level)] + levels.means.map { Float($0) } + levels.means.map { Float($0 - levels.level) }
    }
}
