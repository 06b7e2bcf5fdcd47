import Foundation

/// A distribution summarised by its quantiles at evenly spaced probabilities (0, 1/k, ..., 1),
/// as `forecast.feature_profiles` stores it: compact enough to keep per run, segment and feature,
/// and enough to compare distributions without the raw values.
public struct QuantileProfile: Sendable, Equatable {
    /// Non-missing values summarised.
    public let count: Int
    /// Ascending quantiles at probabilities i / (quantiles.count - 1).
    public let quantiles: [Double]

    public init(count: Int, quantiles: [Double]) {
        self.count = count
        self.quantiles = quantiles
    }

    /// The profile of a sample (linear interpolation between order statistics, like
    /// PostgreSQL's `percentile_cont`).
    public init(values: [Double], points: Int = 21) {
        let sorted = values.filter(\.isFinite).sorted()
        count = sorted.count
        guard !sorted.isEmpty else {
            quantiles = []
            return
        }
        quantiles = (0..<points).map { i in
            let p = Double(i) / Double(points - 1) * Double(sorted.count - 1)
            let lo = Int(p.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
            return sorted[lo] + (sorted[hi] - sorted[lo]) * (p - Double(lo))
        }
    }

    /// P(X <= x), linear between the stored quantiles (a step where quantiles tie).
    public func cdf(_ x: Double) -> Double {
        guard let first = quantiles.first, let last = quantiles.last else { return .nan }
        if x < first { return 0 }
        if x >= last { return 1 }
        let step = 1 / Double(quantiles.count - 1)
        // The last quantile index whose value is <= x.
        var i = 0
        while i + 1 < quantiles.count && quantiles[i + 1] <= x { i += 1 }
        let (a, b) = (quantiles[i], quantiles[i + 1])
        let within = b > a ? (x - a) / (b - a) : 1
        return (Double(i) + within) * step
    }
}

/// Population stability index (Siddiqi 2006; the drift measure of Evidently and most credit-risk
/// monitoring): PSI = sum over bins of (a - e) ln(a / e), where e and a are the reference's and
/// the current population's shares in each bin. Bins are the reference's deciles, so each holds
/// a tenth of the reference; shares are floored at 1e-4 so an empty bin costs a finite amount.
/// Rules of thumb: below 0.1 stable, 0.1-0.25 a moderate shift, above 0.25 a major one.
public enum PopulationStability {
    public static let shareFloor = 1e-4

    /// The reference may be several profiles (trailing runs): their mixture, weighted by count.
    public static func psi(reference: [QuantileProfile], current: QuantileProfile, bins: Int = 10) -> Double {
        let reference = reference.filter { $0.count > 0 && !$0.quantiles.isEmpty }
        guard !reference.isEmpty, current.count > 0, !current.quantiles.isEmpty else { return .nan }
        let total = Double(reference.reduce(0) { $0 + $1.count })
        func mixture(_ x: Double) -> Double {
            reference.reduce(0) { $0 + Double($1.count) * $1.cdf(x) } / total
        }
        // Bin edges: the mixture's deciles, found on the union of the stored quantiles.
        let points = Array(Set(reference.flatMap(\.quantiles))).sorted()
        var edges: [Double] = []
        for k in 1..<bins {
            let target = Double(k) / Double(bins)
            guard let j = points.firstIndex(where: { mixture($0) >= target }) else { continue }
            var edge = points[j]
            if j > 0 {
                let (x0, x1) = (points[j - 1], points[j])
                let (f0, f1) = (mixture(x0), mixture(x1))
                if f1 > f0 { edge = x0 + (x1 - x0) * (target - f0) / (f1 - f0) }
            }
            if edges.last.map({ edge > $0 }) ?? true { edges.append(edge) }
        }
        var psi = 0.0
        var lower = -Double.infinity
        for upper in edges + [Double.infinity] {
            let e = max(shareFloor, (upper.isInfinite ? 1 : mixture(upper)) - (lower.isInfinite ? 0 : mixture(lower)))
            let a = max(shareFloor, (upper.isInfinite ? 1 : current.cdf(upper)) - (lower.isInfinite ? 0 : current.cdf(lower)))
            psi += (a - e) * log(a / e)
            lower = upper
        }
        return psi
    }
}
