import Foundation
import Testing

@testable import Forecasting

@Suite struct PopulationStabilityTests {
    /// Reference uniform on [0, 1] (deciles 0.1 ... 0.9), current uniform on [0.5, 1.5]: the current
    /// population has shares 0, 0, 0, 0, 0, .1, .1, .1, .1, .6 in the reference's decile bins, so
    /// PSI = 5 (1e-4 - 0.1) ln(1e-4 / 0.1) + 4 * 0 + (0.6 - 0.1) ln(0.6 / 0.1) = 3.450424 + 0.895880 = 4.346303.
    @Test func shiftedUniformMatchesTheHandComputedValue() {
        let reference = QuantileProfile(count: 1000, quantiles: (0...20).map { Double($0) / 20 })
        let current = QuantileProfile(count: 1000, quantiles: (0...20).map { 0.5 + Double($0) / 20 })
        let expected = 5 * (1e-4 - 0.1) * log(1e-4 / 0.1) + 0.5 * log(6.0)
        #expect(abs(PopulationStability.psi(reference: [reference], current: current) - expected) < 1e-9)
        #expect(abs(expected - 4.346303) < 1e-6)
    }

    /// The same distribution: 0. A mixture of two references is their pooled distribution.
    @Test func identicalIsZeroAndReferencesPool() {
        let a = QuantileProfile(count: 500, quantiles: (0...20).map { Double($0) / 20 })
        #expect(abs(PopulationStability.psi(reference: [a], current: a)) < 1e-12)
        let low = QuantileProfile(count: 500, quantiles: (0...20).map { Double($0) / 40 })  // U[0, 0.5]
        let high = QuantileProfile(count: 500, quantiles: (0...20).map { 0.5 + Double($0) / 40 })  // U[0.5, 1]
        #expect(abs(PopulationStability.psi(reference: [low, high], current: a)) < 1e-9)
        // Mild shift: between the rules of thumb.
        let shifted = QuantileProfile(count: 500, quantiles: (0...20).map { 0.1 + Double($0) / 20 })
        let psi = PopulationStability.psi(reference: [a], current: shifted)
        #expect(psi > 0.1 && psi < 1.5, "\(psi)")
    }

    @Test func profilesOfSamplesInterpolateLikePercentileCont() {
        let p = QuantileProfile(values: [4, 1, 3, 2, 5], points: 5)  // percentile_cont at 0, .25, .5, .75, 1
        #expect(p.quantiles == [1, 2, 3, 4, 5] && p.count == 5)
        #expect(p.cdf(0) == 0 && p.cdf(5) == 1 && abs(p.cdf(2.5) - 0.375) < 1e-12)
    }
}
