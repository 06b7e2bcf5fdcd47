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

    public func minimize(_ x0: [Double], lower: [Double], upper: [Double], _ f: ([Double]) -> Double) -> Result {
        let n = x0.count
        func clip(_ x: [Double]) -> [Double] {
            var out = x
            for i in 0..<n { out[i] = min(max(out[i], lower[i]), upper[i]) }
            return out
        }
        let dim = Double(n)
        let reflect = 1.0
        let expand = adaptive ? 1 + 2 / dim : 2
        let contract = adaptive ? 0.75 - 1 / (2 * dim) : 0.5
        let shrink = adaptive ? 1 - 1 / dim : 0.5

        var simplex = [[Double]](repeating: clip(x0), count: n + 1)
        for i in 0..<n {
            var p = simplex[i]
            let v = p[i] == 0 ? zeroPerturbation : p[i]
            p[i] = v * (1 + initialStep)
            simplex[i] = clip(p)
        }
        var values = simplex.map(f)
        var iteration = 0
        while iteration < maxIterations {
            iteration += 1
            let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
            let best = order[0], worst = order[n], secondWorst = order[n - 1]
            if standardDeviation(values) < tolerance { break }
            var centroid = [Double](repeating: 0, count: n)
            for k in order.dropLast() { for i in 0..<n { centroid[i] += simplex[k][i] } }
            for i in 0..<n { centroid[i] /= dim }
            func along(_ coefficient: Double, _ from: [Double]) -> [Double] {
                clip((0..<n).map { centroid[$0] + coefficient * (from[$0] - centroid[$0]) })
            }
            let xr = along(-reflect, simplex[worst])
            let fr = f(xr)
            if values[best] <= fr && fr < values[secondWorst] {
                simplex[worst] = xr; values[worst] = fr
                continue
            }
            if fr < values[best] {
                let xe = along(expand, xr)
                let fe = f(xe)
                if fe < fr { simplex[worst] = xe; values[worst] = fe } else { simplex[worst] = xr; values[worst] = fr }
                continue
            }
            if values[secondWorst] <= fr && fr < values[worst] {
                let xoc = along(contract, xr)
                let foc = f(xoc)
                if foc <= fr { simplex[worst] = xoc; values[worst] = foc; continue }
            } else {
                let xic = along(-contract, xr)
                let fic = f(xic)
                if fic < values[worst] { simplex[worst] = xic; values[worst] = fic; continue }
            }
            for k in order.dropFirst() {
                simplex[k] = clip((0..<n).map { simplex[best][$0] + shrink * (simplex[k][$0] - simplex[best][$0]) })
                values[k] = f(simplex[k])
            }
        }
        let bestIndex = values.indices.min { values[$0] < values[$1] } ?? 0
        return Result(x: simplex[bestIndex], value: values[bestIndex], iterations: iteration)
    }

    /// Population standard deviation; +inf when any value is infinite (keeps searching).
    func standardDeviation(_ v: [Double]) -> Double {
        let finite = v.allSatisfy(\.isFinite)
        guard finite else { return .infinity }
        let mean = v.reduce(0, +) / Double(v.count)
        return (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)).squareRoot()
    }
}
