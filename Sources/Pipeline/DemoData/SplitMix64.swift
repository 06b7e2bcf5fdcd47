import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): small, fast, and identical on every platform, so a
/// demo catalogue is the same for the same seed everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// An independent stream for one entity (series, item...) of a seed.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next() ^ stream
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Poisson draw: Knuth's method for small means, a rounded normal approximation above 30.
    public mutating func poisson(_ lambda: Double) -> Int {
        guard lambda > 0 else { return 0 }
        if lambda > 30 {
            return max(0, Int((lambda + lambda.squareRoot() * normal()).rounded()))
        }
        let limit = (-lambda).exp
        var k = 0
        var p = uniform()
        while p > limit {
            k += 1
            p *= uniform()
        }
        return k
    }

    /// Standard normal (Box-Muller).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * u1.log).squareRoot() * (2 * Double.pi * u2).cos
    }
}

extension Double {
    var exp: Double { Foundation.exp(self) }
    var log: Double { Foundation.log(self) }
    var cos: Double { Foundation.cos(self) }
    var sin: Double { Foundation.sin(self) }
}
