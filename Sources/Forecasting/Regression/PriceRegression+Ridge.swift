import Foundation

/// The ridge fit behind `PriceRegression`, its penalty chosen by leave-one-out error.
extension PriceRegression {
    /// Ridge least squares over the kept columns: the intercept (column 0) unpenalized, the others
    /// centred and scaled to unit variance, the penalty (`ridge` per observation, or when nil the
    /// one of `penalties` with the smallest leave-one-out error, PRESS) on the scaled columns.
    /// Dropped columns, and columns without variation, get coefficient 0.
    func fit(_ rows: [[Double]], _ y: [Double], keep: [Bool]) throws -> [Double] {
        try fitScored(rows, y, keep: keep).beta
    }

    /// `fit`, with the leave-one-out squared error (PRESS) of the fit it returns.
    func fitScored(_ rows: [[Double]], _ y: [Double], keep: [Bool]) throws -> (beta: [Double], press: Double) {
        let n = Double(rows.count)
        var cols: [Int] = [], means: [Double] = [], sds: [Double] = []
        for j in 1..<keep.count where keep[j] {
            let m = rows.reduce(0) { $0 + $1[j] } / n
            let v = rows.reduce(0) { $0 + ($1[j] - m) * ($1[j] - m) } / n
            guard v > 1e-12 else { continue }
            cols.append(j)
            means.append(m)
            sds.append(v.squareRoot())
        }
        let q = cols.count, count = rows.count
        let ybar = y.reduce(0, +) / n
        // Scaled columns, row-major and flat (the loops below run per row and penalty).
        var z = [Double](repeating: 0, count: count * q)
        for (r, x) in rows.enumerated() { for i in 0..<q { z[r * q + i] = (x[cols[i]] - means[i]) / sds[i] } }
        var gram = [Double](repeating: 0, count: q * q), b = [Double](repeating: 0, count: q)
        for r in 0..<count {
            for i in 0..<q {
                b[i] += z[r * q + i] * (y[r] - ybar)
                for j in 0...i { gram[i * q + j] += z[r * q + i] * z[r * q + j] }
            }
        }
        for i in 0..<q { for j in 0..<i { gram[j * q + i] = gram[i * q + j] } }
        let penalties = ridge.map { [$0] } ?? Self.penalties
        // The penalty with the smallest PRESS (one penalty: that one, its PRESS still reported); a
        // penalty whose penalized Gram matrix is not positive definite (collinear columns, no
        // penalty) is skipped.
        let errors = Self.leaveOneOutErrors(z: z, gram: gram, b: b, y: y, ybar: ybar, q: q, penalties: penalties)
        var best: (press: Double, factor: Cholesky)?
        for (penalty, press) in zip(penalties, errors) {
            var a = gram
            for i in 0..<q { a[i * q + i] += penalty * n }
            guard let factor = try? Cholesky(a, q) else { continue }
            if best == nil || press < best!.press { best = (press, factor) }
        }
        guard let gamma = best?.factor.solve(b) else {
            throw ForecastError.invalidParameter(model: Self.name, message: "degenerate design (collinear inputs)")
        }
        var beta = [Double](repeating: 0, count: keep.count)
        beta[0] = ybar
        for (i, j) in cols.enumerated() {
            beta[j] = gamma[i] / sds[i]
            beta[0] -= beta[j] * means[i]
        }
        return (beta, best?.press ?? .infinity)
    }

    /// The leave-one-out squared error (PRESS) of the ridge fit for each penalty, from the hat
    /// matrix: row r's leverage is h_rr = 1/n + z_r' A^-1 z_r (the 1/n is the centring) with
    /// A = Z'Z + penalty n I, and its deleted residual e_r / (1 - h_rr). One eigendecomposition
    /// Z'Z = V D V' serves every penalty: with u_r = V' z_r and c = V' b, h_rr = 1/n +
    /// sum_k u_rk^2 / (d_k + penalty n) and the fit is ybar + sum_k u_rk c_k / (d_k + penalty n),
    /// q operations per row and penalty instead of q^2 (this was most of the model's CPU).
    /// `z`: the centred, scaled columns (row-major, q per row); `b` = Z'(y - ybar).
    static func leaveOneOutErrors(
        z: [Double], gram: [Double], b: [Double], y: [Double], ybar: Double, q: Int,
        penalties: [Double]
    ) -> [Double] {
        let count = y.count, n = Double(count)
        let eigen = SymmetricEigen(gram, q)
        var u = [Double](repeating: 0, count: count * q)
        for r in 0..<count {
            for k in 0..<q {
                var sum = 0.0
                for i in 0..<q { sum += z[r * q + i] * eigen.vectors[i * q + k] }
                u[r * q + k] = sum
            }
        }
        var c = [Double](repeating: 0, count: q)
        for k in 0..<q { for i in 0..<q { c[k] += eigen.vectors[i * q + k] * b[i] } }
        return penalties.map { penalty in
            let inverse = eigen.values.map { 1 / ($0 + penalty * n) }
            var press = 0.0
            for r in 0..<count {
                var leverage = 1 / n, fitted = ybar
                for k in 0..<q {
                    let w = u[r * q + k] * inverse[k]
                    leverage += u[r * q + k] * w
                    fitted += w * c[k]
                }
                let e = (y[r] - fitted) / (1 - leverage)
                press += leverage < 1 - 1e-9 ? e * e : .infinity
            }
            return press
        }
    }

    /// Penalties per observation on the scaled columns that `fit` chooses from (0: least squares).
    static let penalties = [0, 0.01, 0.03, 0.1, 0.3, 1, 3]
}
