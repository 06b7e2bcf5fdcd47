/// Starting values for ETS fitting, following forecast::ets (`initparam`, `initstate`) as ported
/// by statsforecast: smoothing parameters near the lower bounds, the seasonal pattern from a
/// classical decomposition (or a one-harmonic Fourier regression when there are fewer than three
/// seasons), the level and trend from a regression on the first seasonally adjusted values.
enum ETSInitialization {
    static let lower = ETSParameters(alpha: 1e-4, beta: 1e-4, gamma: 1e-4, phi: 0.8)
    static let upper = ETSParameters(alpha: 0.9999, beta: 0.9999, gamma: 0.9999, phi: 0.98)

    static func parameters(_ spec: ETSSpec, m: Int) -> ETSParameters {
        var alpha = lower.alpha + 0.2 * (upper.alpha - lower.alpha) / Double(m)
        if alpha > 1 || alpha < 0 { alpha = lower.alpha + 2e-3 }
        var beta = 0.0, gamma = 0.0, phi = 1.0
        if spec.trend != .none {
            let up = min(upper.beta, alpha)
            beta = lower.beta + 0.1 * (up - lower.beta)
            if beta < 0 || beta > alpha { beta = alpha - 1e-3 }
        }
        if spec.season != .none {
            let up = min(upper.gamma, 1 - alpha)
            gamma = lower.gamma + 0.05 * (up - lower.gamma)
            if gamma < 0 || gamma > 1 - alpha { gamma = 1 - alpha - 1e-3 }
        }
        if spec.damped {
            phi = lower.phi + 0.99 * (upper.phi - lower.phi)
            if phi < 0 || phi > 1 { phi = upper.phi - 1e-3 }
        }
        return ETSParameters(alpha: alpha, beta: beta, gamma: gamma, phi: phi)
    }

    struct State: Sendable {
        var level: Double
        var trend: Double
        var seasons: [Double]
    }

    /// Initial level, trend and m seasonal states (s[m-1] applies to the first observation).
    static func state(_ y: [Double], spec: ETSSpec, m: Int) throws -> State {
        let n = y.count
        var adjusted = y
        var seasons: [Double] = []
        if spec.season != .none {
            guard n >= 4 else { throw ForecastError.tooShort(model: "\(spec)", needed: 4, got: n) }
            let seasonal: [Double]
            if n < 3 * m {
                // level + trend + one harmonic, least squares
                let x: [[Double]] = (0..<n).map { t in
                    let tt = Double(t + 1)
                    return [1, tt, sine(2 * Double.pi * tt / Double(m)), cosine(2 * Double.pi * tt / Double(m))]
                }
                let c = leastSquares(x, y)
                if spec.season == .additive {
                    seasonal = (0..<n).map { y[$0] - c[0] - c[1] * Double($0 + 1) }
                } else {
                    guard y.allSatisfy({ $0 > 0 }) else {
                        throw ForecastError.invalidParameter(model: "\(spec)", message: "multiplicative season needs positive data")
                    }
                    seasonal = (0..<n).map { y[$0] / (c[0] + c[1] * Double($0 + 1)) }
                }
            } else {
                seasonal = classicalSeasonal(y, m: m, multiplicative: spec.season == .multiplicative)
            }
            var initial = Array(seasonal[1..<m].reversed())
            if spec.season == .additive {
                adjusted = (0..<n).map { y[$0] - seasonal[$0] }
            } else {
                initial = initial.map { max($0, 1e-2) }
                if initial.reduce(0, +) > Double(m) {
                    let total = initial.reduce(0) { $0 + $1 + 1e-2 }
                    initial = initial.map { $0 / total }
                }
                adjusted = (0..<n).map { y[$0] / max(seasonal[$0], 1e-2) }
            }
            // The last seasonal state is implied: the states sum to 0 (additive) or m (multiplicative).
            let implied = (spec.season == .multiplicative ? Double(m) : 0) - initial.reduce(0, +)
            seasons = initial + [implied]
        }
        let season = spec.season == .none ? 1 : m
        let maxn = min(max(10, 2 * season), adjusted.count)
        if spec.trend == .none {
            let l0 = adjusted[0..<maxn].reduce(0, +) / Double(maxn)
            return State(level: l0, trend: 0, seasons: seasons)
        }
        let x: [[Double]] = (0..<maxn).map { [1, Double($0 + 1)] }
        let c = leastSquares(x, Array(adjusted[0..<maxn]))
        var l0 = c[0], b0 = c[1]
        if spec.trend == .additive {
            if abs(l0 + b0) < 1e-8 {
                l0 *= 1 + 1e-3
                b0 *= 1 - 1e-3
            }
        } else {
            l0 = c[0] + c[1]
            if abs(l0) < 1e-8 { l0 = 1e-7 }
            b0 = (c[0] + 2 * c[1]) / l0
            l0 = l0 / (abs(b0) < 1e-8 ? 1e-8 : b0)
            if abs(b0) > 1e10 { b0 = b0 < 0 ? -1e10 : 1e10 }
            if l0 < 1e-8 || b0 < 1e-8 {
                l0 = max(adjusted[0], 1e-3)
                b0 = max(adjusted[1] / (abs(adjusted[0]) < 1e-8 ? 1e-8 : adjusted[0]), 1e-3)
            }
        }
        return State(level: l0, trend: b0, seasons: seasons)
    }

    /// Classical decomposition's seasonal component (as statsmodels' seasonal_decompose with a
    /// centred moving average): per-position means of the detrended series, normalised.
    static func classicalSeasonal(_ y: [Double], m: Int, multiplicative: Bool) -> [Double] {
        let n = y.count
        // Centred moving average: a 2 x m MA for even m, an m MA for odd m.
        var weights = [Double](repeating: 1 / Double(m), count: m)
        if m % 2 == 0 {
            weights = [0.5 / Double(m)] + [Double](repeating: 1 / Double(m), count: m - 1) + [0.5 / Double(m)]
        }
        let half = weights.count / 2
        var trend = [Double](repeating: .nan, count: n)
        if n >= weights.count {
            for t in half..<(n - half) {
                var acc = 0.0
                for (k, w) in weights.enumerated() { acc += w * y[t - half + k] }
                trend[t] = acc
            }
        }
        var sums = [Double](repeating: 0, count: m), counts = [Int](repeating: 0, count: m)
        for t in 0..<n where trend[t].isFinite {
            let d = multiplicative ? y[t] / trend[t] : y[t] - trend[t]
            sums[t % m] += d
            counts[t % m] += 1
        }
        var averages = (0..<m).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : (multiplicative ? 1 : 0) }
        let mean = averages.reduce(0, +) / Double(m)
        averages = averages.map { multiplicative ? $0 / mean : $0 - mean }
        return (0..<n).map { averages[$0 % m] }
    }

    /// Ordinary least squares by the normal equations (small, well-conditioned designs).
    static func leastSquares(_ x: [[Double]], _ y: [Double]) -> [Double] {
        let k = x.first?.count ?? 0
        var a = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k)
        for (row, target) in zip(x, y) {
            for i in 0..<k {
                for j in 0..<k { a[i][j] += row[i] * row[j] }
                a[i][k] += row[i] * target
            }
        }
        // Gauss-Jordan with partial pivoting.
        for col in 0..<k {
            let pivot = (col..<k).max { abs(a[$0][col]) < abs(a[$1][col]) } ?? col
            a.swapAt(col, pivot)
            let d = a[col][col]
            guard abs(d) > 1e-300 else { continue }
            for j in col...k { a[col][j] /= d }
            for i in 0..<k where i != col {
                let factor = a[i][col]
                if factor != 0 { for j in col...k { a[i][j] -= factor * a[col][j] } }
            }
        }
        return (0..<k).map { a[$0][k] }
    }
}
