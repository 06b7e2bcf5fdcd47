/// Bounded Nelder–Mead minimisation (Nelder & Mead 1965) with the adaptive coefficients of
/// Gao & Han (2012), as used for ETS fitting by forecast::ets and statsforecast: the initial simplex
/// perturbs each coordinate by 5% (1e-4 when it is zero), points are clipped to the bounds, and
/// the search stops when the standard deviation of the simplex values falls below `tolerance`.
public struct NelderMead: Sendable {
    public var initialStep = 0.05
    public var zeroPerturbation = 1e-4
    public var tolerance = 1e-4
    public var maxIterations = 1_000
    public var adaptive = true

    public init(tolerance: Double = 1e-4, maxIterations: Int = 1_000) {
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    public struct Result: Sendable {
        public let x: [Double]
        public let value: Double
        public let iterations: Int
    }

    /// The simplex lives in one flat buffer and every trial point in a reused scratch array, so an
    /// iteration allocates nothing; the sequence of points is that of the textbook formulation.
    public func minimize(_ x0: [Double], lower: [Double], upper: [Double], _ f: ([Double]) -> Double) -> Result {
        let n = x0.count
        let dim = Double(n)
        let reflect = 1.0
        let expand = adaptive ? 1 + 2 / dim : 2
        let contract = adaptive ? 0.75 - 1 / (2 * dim) : 0.5
        let shrink = adaptive ? 1 - 1 / dim : 0.5

        var simplex = [Double](repeating: 0, count: (n + 1) * n)  // row k = vertex k
        var values = [Double](repeating: 0, count: n + 1)
        var point = [Double](repeating: 0, count: n)
        var reflected = [Double](repeating: 0, count: n)
        var centroid = [Double](repeating: 0, count: n)
        var order = Array(0...n)

        @inline(__always) func clipPoint() {
            for i in 0..<n { point[i] = min(max(point[i], lower[i]), upper[i]) }
        }
        @inline(__always) func store(_ k: Int, _ value: Double) {
            for i in 0..<n { simplex[k * n + i] = point[i] }
            values[k] = value
        }
        for k in 0...n {
            for i in 0..<n { point[i] = x0[i] }
            if k < n {
                let v = point[k] == 0 ? zeroPerturbation : point[k]
                point[k] = v * (1 + initialStep)
            }
            clipPoint()
            store(k, f(point))
        }
        var iteration = 0
        while iteration < maxIterations {
            iteration += 1
            // Indices by value, ties by index (insertion sort: n is small).
            for k in 0...n { order[k] = k }
            for a in 1..<(n + 1) {
                let key = order[a]
                var b = a - 1
                while b >= 0 && (values[order[b]] > values[key] || (values[order[b]] == values[key] && order[b] > key)) {
                    order[b + 1] = order[b]
                    b -= 1
                }
                order[b + 1] = key
            }
            let best = order[0], worst = order[n], secondWorst = order[n - 1]
            if standardDeviation(values) < tolerance { break }
            for i in 0..<n { centroid[i] = 0 }
            for r in 0..<n {
                let k = order[r]
                for i in 0..<n { centroid[i] += simplex[k * n + i] }
            }
            for i in 0..<n { centroid[i] /= dim }
            @inline(__always) func along(_ coefficient: Double, _ from: (Int) -> Double) {
                for i in 0..<n { point[i] = centroid[i] + coefficient * (from(i) - centroid[i]) }
                clipPoint()
            }
            along(-reflect) { simplex[worst * n + $0] }
            let fr = f(point)
            for i in 0..<n { reflected[i] = point[i] }
            if values[best] <= fr && fr < values[secondWorst] {
                store(worst, fr)
                continue
            }
            if fr < values[best] {
                along(expand) { reflected[$0] }
                let fe = f(point)
                if fe < fr {
                    store(worst, fe)
                } else {
                    for i in 0..<n { point[i] = reflected[i] }
                    store(worst, fr)
                }
                continue
            }
            if values[secondWorst] <= fr && fr < values[worst] {
                along(contract) { reflected[$0] }
                let foc = f(point)
                if foc <= fr {
                    store(worst, foc)
                    continue
                }
            } else {
                along(-contract) { reflected[$0] }
                let fic = f(point)
                if fic < values[worst] {
                    store(worst, fic)
                    continue
                }
            }
            for r in 1...n {
                let k = order[r]
                for i in 0..<n { point[i] = simplex[best * n + i] + shrink * (simplex[k * n + i] - simplex[best * n + i]) }
                clipPoint()
                store(k, f(point))
            }
        }
        let bestIndex = values.indices.min { values[$0] < values[$1] } ?? 0
        return Result(x: Array(simplex[(bestIndex * n)..<(bestIndex * n + n)]), value: values[bestIndex], iterations: iteration)
    }

    /// Population standard deviation; +inf when any value is infinite (keeps searching).
    func standardDeviation(_ v: [Double]) -> Double {
        let finite = v.allSatisfy(\.isFinite)
        guard finite else { return .infinity }
        let mean = v.reduce(0, +) / Double(v.count)
        return (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)).squareRoot()
    }
}
