import Foundation
import Testing

@testable import Forecasting

/// Issue 28, item 3: members combined on the log scale, points and bounds alike.
struct CombinationTests {
    @Test func theLogMeanIsTheGeometricMeanOfOnePlusEachValue() {
        let a = Forecast(mean: [0, 3, 99], lower: [0, 1, 50], upper: [2, 8, 200], level: 0.8)
        let b = Forecast(mean: [8, 15, 0], lower: [3, 7, 0], upper: [24, 35, 10], level: 0.9)
        let c = Forecast.logMean([a, b])
        #expect(c.level == 0.8)
        #expect(abs(c.mean[0] - 2) < 1e-12)  // sqrt(1 * 9) - 1
        #expect(abs(c.mean[1] - 7) < 1e-12)  // sqrt(4 * 16) - 1
        #expect(abs(c.mean[2] - 9) < 1e-12)  // sqrt(100 * 1) - 1
        #expect(abs(c.lower[1] - (sqrt(2.0 * 8) - 1)) < 1e-12 && abs(c.upper[2] - (sqrt(201.0 * 11) - 1)) < 1e-12)
        // A member off by a factor moves the combination by its root, not by half the difference.
        let big = Forecast(mean: [99], lower: [99], upper: [99], level: 0.8)
        let small = Forecast(mean: [0], lower: [0], upper: [0], level: 0.8)
        #expect(abs(Forecast.logMean([big, small]).mean[0] - 9) < 1e-12)
        #expect(Forecast.mean(big, small).mean[0] == 49.5)
    }

    @Test func oneMemberComesBackAndIdenticalMembersGiveThemselves() {
        let a = Forecast(mean: [1, 2.5, 40], lower: [0.5, 1, 30], upper: [3, 4, 55], level: 0.8)
        #expect(Forecast.logMean([a]) == a)
        let same = Forecast.logMean([a, a, a])
        for i in 0..<3 {
            #expect(abs(same.mean[i] - a.mean[i]) < 1e-12 && abs(same.lower[i] - a.lower[i]) < 1e-12 && abs(same.upper[i] - a.upper[i]) < 1e-12)
        }
    }

    /// Bounds stay ordered around the point for any members whose own bounds are ordered.
    @Test func boundsStayOrderedForRandomMembers() {
        var state: UInt64 = 11
        func u() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1.0p-53
        }
        for _ in 0..<500 {
            let members = (0..<(2 + Int(u() * 3))).map { _ -> Forecast in
                let mean = (0..<7).map { _ in u() * 1_000 * (u() < 0.2 ? 0 : 1) }
                return Forecast(mean: mean, lower: mean.map { $0 * u() }, upper: mean.map { $0 * (1 + 3 * u()) + u() }, level: 0.8)
            }
            let c = Forecast.logMean(members)
            for i in 0..<7 {
                #expect(c.lower[i] <= c.mean[i] + 1e-9 && c.mean[i] <= c.upper[i] + 1e-9 && c.lower[i] >= -1e-12)
                #expect(c.mean[i] <= members.map { $0.mean[i] }.max()! + 1e-9 && c.mean[i] >= members.map { $0.mean[i] }.min()! - 1e-9)
            }
        }
    }
}
