import Foundation

/// Eigenvalues and eigenvectors of a small symmetric matrix (q x q, row-major) by cyclic Jacobi
/// rotations: `matrix = V diag(values) V'` with V orthonormal, column k of `vectors` (row-major,
/// q x q) the eigenvector of `values[k]`. For the price regression's Gram matrices (a dozen
/// columns): accurate to rounding, and a few thousand operations.
struct SymmetricEigen {
    let values: [Double]
    let vectors: [Double]

    init(_ matrix: [Double], _ q: Int, maximumSweeps: Int = 64) {
        precondition(matrix.count == q * q)
        var a = matrix
        var v = [Double](repeating: 0, count: q * q)
        for i in 0..<q { v[i * q + i] = 1 }
        for _ in 0..<maximumSweeps {
            var off = 0.0, total = 0.0
            for i in 0..<q {
                for j in 0..<q {
                    let x = a[i * q + j] * a[i * q + j]
                    total += x
                    if i != j { off += x }
                }
            }
            guard off > 1e-30 * total else { break }
            for p in 0..<max(0, q - 1) {
                for r in (p + 1)..<q where a[p * q + r] != 0 {
                    // The rotation in the (p, r) plane that zeroes a[p][r] (Rutishauser's form).
                    let theta = (a[r * q + r] - a[p * q + p]) / (2 * a[p * q + r])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<q {
                        let kp = a[k * q + p], kr = a[k * q + r]
                        a[k * q + p] = c * kp - s * kr
                        a[k * q + r] = s * kp + c * kr
                    }
                    for k in 0..<q {
                        let pk = a[p * q + k], rk = a[r * q + k]
                        a[p * q + k] = c * pk - s * rk
                        a[r * q + k] = s * pk + c * rk
                    }
                    for k in 0..<q {
                        let kp = v[k * q + p], kr = v[k * q + r]
                        v[k * q + p] = c * kp - s * kr
                        v[k * q + r] = s * kp + c * kr
                    }
                }
            }
        }
        values = (0..<q).map { a[$0 * q + $0] }
        vectors = v
    }
}
