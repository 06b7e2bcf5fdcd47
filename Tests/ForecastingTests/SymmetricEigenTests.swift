import Foundation
import Testing

@testable import Forecasting

/// `SymmetricEigen`: Jacobi eigendecomposition of the price regression's Gram matrices.
struct SymmetricEigenTests {
    @Test func aKnownMatrix() {
        // [[2, 1], [1, 2]]: eigenvalues 1 and 3, eigenvectors (1, -1) and (1, 1) over sqrt(2).
        let e = SymmetricEigen([2, 1, 1, 2], 2)
        #expect(abs(e.values.min()! - 1) < 1e-14 && abs(e.values.max()! - 3) < 1e-14)
        let k = e.values[0] < e.values[1] ? 0 : 1
        #expect(abs(abs(e.vectors[0 * 2 + k]) - 0.5.squareRoot()) < 1e-14 && abs(e.vectors[0 * 2 + k] + e.vectors[1 * 2 + k]) < 1e-14)
    }

    /// V is orthonormal and V diag(values) V' gives the matrix back, for Gram matrices of 1 to 12
    /// columns, some of them nearly collinear.
    @Test func reconstructsGramMatrices() {
        var state: UInt64 = 5
        func u() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        for q in 1...12 {
            let rows = 50
            var x = (0..<rows).map { _ in (0..<q).map { _ in u() - 0.5 } }
            if q > 2 { for r in 0..<rows { x[r][q - 1] = x[r][0] + 1e-6 * x[r][q - 1] } }
            var a = [Double](repeating: 0, count: q * q)
            for r in 0..<rows { for i in 0..<q { for j in 0..<q { a[i * q + j] += x[r][i] * x[r][j] } } }
            let e = SymmetricEigen(a, q)
            let scale = a.map(abs).max()!
            for i in 0..<q {
                for j in 0..<q {
                    var vv = 0.0, back = 0.0
                    for k in 0..<q {
                        vv += e.vectors[k * q + i] * e.vectors[k * q + j]
                        back += e.vectors[i * q + k] * e.values[k] * e.vectors[j * q + k]
                    }
                    #expect(abs(vv - (i == j ? 1 : 0)) < 1e-12, "q \(q): V'V[\(i)][\(j)] = \(vv)")
                    #expect(abs(back - a[i * q + j]) < 1e-12 * scale, "q \(q): reconstruction [\(i)][\(j)]")
                }
            }
        }
    }
}
