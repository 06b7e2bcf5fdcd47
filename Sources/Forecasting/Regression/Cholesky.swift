import Foundation

/// The Cholesky factor of a symmetric positive-definite matrix (q x q, row-major), to solve with.
struct Cholesky {
    let l: [Double]
    let q: Int

    init(_ a: [Double], _ q: Int) throws {
        var l = [Double](repeating: 0, count: q * q)
        for i in 0..<q {
            for j in 0...i {
                var sum = a[i * q + j]
                for m in 0..<j { sum -= l[i * q + m] * l[j * q + m] }
                if i == j {
                    guard sum > 1e-12 * max(1, a[i * q + i]) else {
                        throw ForecastError.invalidParameter(model: PriceRegression.name, message: "singular design")
                    }
                    l[i * q + i] = sum.squareRoot()
                } else {
                    l[i * q + j] = sum / l[j * q + j]
                }
            }
        }
        self.l = l
        self.q = q
    }

    /// x with (L L') x = b.
    func solve(_ b: [Double]) -> [Double] {
        var z = [Double](repeating: 0, count: q)
        for i in 0..<q {
            var sum = b[i]
            for m in 0..<i { sum -= l[i * q + m] * z[m] }
            z[i] = sum / l[i * q + i]
        }
        var x = [Double](repeating: 0, count: q)
        for i in stride(from: q - 1, through: 0, by: -1) {
            var sum = z[i]
            for m in (i + 1)..<q { sum -= l[m * q + i] * x[m] }
            x[i] = sum / l[i * q + i]
        }
        return x
    }
}
