import Foundation

// The few libm functions the pure-Swift models need, in one place.
@inline(__always) func logarithm(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func power(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
@inline(__always) func sine(_ x: Double) -> Double { Foundation.sin(x) }
@inline(__always) func cosine(_ x: Double) -> Double { Foundation.cos(x) }
