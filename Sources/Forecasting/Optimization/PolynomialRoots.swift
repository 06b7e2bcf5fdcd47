/// Whether every root of the real polynomial `c[0] + c[1] z + ... + c[d] z^d` lies inside the
/// circle of radius `radius`, by the Schur–Cohn reduction (exact arithmetic steps, O(d^2), no
/// root finding): p has all roots in the open unit disk iff |a_0| < |a_d| and the reduced
/// polynomial `(a_d p(z) - a_0 p*(z)) / z`, of degree d - 1, has too.
func allRootsInside(_ coefficients: [Double], radius: Double = 1) -> Bool {
    // Scale z -> radius z so that the test is against the unit circle.
    var a = coefficients
    var scale = 1.0
    for k in a.indices {
        a[k] *= scale
        scale *= radius
    }
    var next = [Double](repeating: 0, count: a.count)
    var count = a.count
    while count > 1 && a[count - 1] == 0 { count -= 1 }
    while count > 1 {
        let d = count - 1
        let a0 = a[0], ad = a[d]
        if abs(a0) >= abs(ad) { return false }
        var largest = 0.0
        for k in 1...d {
            next[k - 1] = ad * a[k] - a0 * a[d - k]
            largest = max(largest, abs(next[k - 1]))
        }
        // Normalise to keep magnitudes in range.
        if largest > 0 { for k in 0..<d { next[k] /= largest } }
        swap(&a, &next)
        count = d
        while count > 1 && a[count - 1] == 0 { count -= 1 }
    }
    return true
}

/// Largest root modulus of a real polynomial `c[0] + c[1] z + ... + c[d] z^d`, by Aberth–Ehrlich
/// simultaneous iteration (used for the ETS admissibility test of seasonal models).
func largestRootModulus(_ coefficients: [Double]) -> Double {
    var c = coefficients
    while let last = c.last, last == 0, c.count > 1 { c.removeLast() }
    let degree = c.count - 1
    guard degree >= 1 else { return 0 }
    let lead = c[degree]
    let a = c.map { $0 / lead }  // monic
    // Start on a circle of radius given by a Cauchy-type bound, slightly rotated.
    let radius = 1 + (a.dropLast().map(abs).max() ?? 0)
    var z: [Complex] = (0..<degree).map { k in
        let angle = 2 * Double.pi * Double(k) / Double(degree) + 0.4
        return Complex(radius * cosine(angle), radius * sine(angle))
    }
    func eval(_ x: Complex) -> (Complex, Complex) {  // p(x), p'(x)
        var p = Complex(1, 0), d = Complex(0, 0)
        for k in stride(from: degree - 1, through: 0, by: -1) {
            d = d * x + p
            p = p * x + Complex(a[k], 0)
        }
        return (p, d)
    }
    for _ in 0..<500 {
        var moved = 0.0
        for i in 0..<degree {
            let (p, d) = eval(z[i])
            if p.modulus == 0 { continue }
            let ratio = p / d
            var sum = Complex(0, 0)
            for j in 0..<degree where j != i {
                let diff = z[i] - z[j]
                if diff.modulus > 0 { sum = sum + Complex(1, 0) / diff }
            }
            let step = ratio / (Complex(1, 0) - ratio * sum)
            z[i] = z[i] - step
            moved = max(moved, step.modulus)
        }
        if moved < 1e-13 { break }
    }
    return z.map(\.modulus).max() ?? 0
}

struct Complex {
    var re: Double, im: Double
    init(_ re: Double, _ im: Double) {
        self.re = re
        self.im = im
    }
    var modulus: Double { (re * re + im * im).squareRoot() }
    static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    static func * (a: Complex, b: Complex) -> Complex { Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re) }
    static func / (a: Complex, b: Complex) -> Complex {
        let d = b.re * b.re + b.im * b.im
        return Complex((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
    }
}
