/// Prediction intervals from the empirical distribution of in-sample residuals.
///
/// For horizon step h the interval is `yhat + q(residuals, (1 ± level)/2) * sqrt(k(h))`, where
/// `k(h)` is how many one-period errors have accumulated (h for naive, ceil(h/m) for seasonal
/// naive, 1 for a moving average). Quantiles use linear interpolation (Hyndman & Fan type 7,
/// numpy's default). Good enough until conformal calibration from backtests arrives.
public struct ResidualIntervals: Sendable, Equatable {
    /// Finite residuals, in time order (quantiles are selected, not sorted: a fit per series and
    /// fold needs two of them, and sorting a long history per fit was 6% of a daemon's CPU).
    public let residuals: [Double]

    public init(actual: [Double], fitted: [Double]) {
        var r: [Double] = []
        r.reserveCapacity(actual.count)
        for i in 0..<min(actual.count, fitted.count) where fitted[i].isFinite {
            r.append(actual[i] - fitted[i])
        }
        residuals = r
    }

    /// The residuals' (1 - level) / 2 and (1 + level) / 2 quantiles, (0, 0) without residuals.
    public func quantiles(level: Double) -> (lower: Double, upper: Double) {
        guard !residuals.isEmpty else { return (0, 0) }
        return selectedQuantiles(residuals, (1 - level) / 2, (1 + level) / 2)
    }

    /// The (lower, upper) offsets for one accumulated-error multiplier.
    static func offsets(_ q: (lower: Double, upper: Double), steps: Double) -> (Double, Double) {
        let scale = steps.squareRoot()
        return (min(q.lower, 0) * scale, max(q.upper, 0) * scale)
    }

    public func forecast(mean: [Double], level: Double, steps: (Int) -> Double) -> Forecast {
        var lower = mean, upper = mean
        let q = quantiles(level: level)
        for i in 0..<mean.count {
            let (lo, hi) = Self.offsets(q, steps: steps(i + 1))
            lower[i] = mean[i] + lo
            upper[i] = mean[i] + hi
        }
        return Forecast(mean: mean, lower: lower, upper: upper, level: level)
    }
}

/// `quantile(values.sorted(), p)`, the same value bit for bit, from the two order statistics it
/// needs (a selection in O(n) on a copy instead of a sort).
public func selectedQuantile(_ values: [Double], _ p: Double) -> Double {
    selectedQuantiles(values, p, p).0
}

/// `(selectedQuantile(values, low), selectedQuantile(values, high))` for low <= high, the same
/// values bit for bit, from one copy: the upper order statistics are selected among the elements
/// the lower selection left on its right (all of them >= those on its left).
public func selectedQuantiles(_ values: [Double], _ low: Double, _ high: Double) -> (Double, Double) {
    precondition(!values.isEmpty && low <= high)
    var a = values
    let count = a.count
    func position(_ p: Double) -> (Int, Double) {
        let x = p * Double(count - 1)
        let i = Int(x.rounded(.down))
        return (i, x - Double(i))
    }
    let (i, f) = position(low), (j, g) = position(high)
    if i + 1 >= count {
        let m = a.max()!
        return (m, m)
    }
    select(&a, i)
    // After the selection everything right of i is >= a[i]: the next order statistic is their minimum.
    let lower = a[i] + f * (a[(i + 1)...].min()! - a[i])
    if low == high { return (lower, lower) }
    if j + 1 >= count { return (lower, a.max()!) }
    if j > i { select(&a, j, from: i + 1) }
    return (lower, a[j] + g * (a[(j + 1)...].min()! - a[j]))
}

/// Moves the k-th smallest element (0-based) to index k, smaller or equal ones before it and
/// greater or equal ones after (Hoare's selection, median-of-three pivots; deterministic). With
/// `from`, only `array[from...]` is rearranged (k >= from; everything before it is already <= it).
/// On the array's buffer: through `Array`'s checked, generic `swapAt` it took a third of a price
/// regression run's CPU.
func select(_ array: inout [Double], _ k: Int, from: Int = 0) {
    array.withUnsafeMutableBufferPointer { a in
        @inline(__always) func swap(_ x: Int, _ y: Int) {
            let t = a[x]
            a[x] = a[y]
            a[y] = t
        }
        var lo = from, hi = a.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { swap(mid, lo) }
            if a[hi] < a[lo] { swap(hi, lo) }
            if a[hi] < a[mid] { swap(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while i <= hi && a[i] < pivot { i += 1 }
                while j >= lo && pivot < a[j] { j -= 1 }
                if i <= j {
                    swap(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return }
        }
    }
}

/// Type-7 quantile of already-sorted values.
public func quantile(_ sorted: [Double], _ p: Double) -> Double {
    precondition(!sorted.isEmpty)
    let position = p * Double(sorted.count - 1)
    let i = Int(position.rounded(.down))
    let fraction = position - Double(i)
    if i + 1 >= sorted.count { return sorted[sorted.count - 1] }
    return sorted[i] + fraction * (sorted[i + 1] - sorted[i])
}
