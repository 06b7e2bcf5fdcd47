import Testing

@testable import Forecasting

struct BacktestCoreTests {
    @Test func foldsStepBackFromTheNewestCutoff() throws {
        let plan = try BacktestPlan(folds: 3, step: 7, horizon: 14, gap: 2)
        #expect(plan.foldOffsets.map(\.cutoffOffset) == [-14, -7, 0])
        #expect(plan.reach == 16)
        #expect(plan.trainingRange(newestCutoff: 100, fold: plan.foldOffsets[0]) == 0..<87)
        #expect(plan.trainingRange(newestCutoff: 10, fold: plan.foldOffsets[0]) == nil)
        let sliding = try BacktestPlan(folds: 2, step: 7, horizon: 7, window: .sliding(30))
        #expect(sliding.trainingRange(newestCutoff: 100, fold: sliding.foldOffsets[1]) == 71..<101)
        #expect(throws: ForecastError.self) { try BacktestPlan(folds: 0, step: 1, horizon: 1) }
    }

    @Test func censoredPeriodsAreImputedFromRecentUncensoredOnes() {
        let y: [Double] = [4, 6, 0, 0, 8, 0]
        let c = [false, false, true, true, false, false]
        #expect(Censoring.impute(y, censored: c, lookback: 2) == [4, 6, 5, 5, 8, 0])
        #expect(Censoring.impute([0, 3], censored: [true, false]) == [0, 3])
        #expect(Censoring.impute(y, censored: [Bool](repeating: false, count: 6)) == y)
    }

    /// Hand-computed: actual [2, 0, 4, NaN(censored)], forecast [3, 1, 2, 9], interval [f-1, f+1], level 0.8.
    @Test func accumulatorComputesEveryMeasure() {
        var a = ErrorAccumulator()
        a.add(
            actual: [2, 0, 4, .nan], forecast: [3, 1, 2, 9], lower: [2, 0, 1, 8], upper: [4, 2, 3, 10], level: 0.8,
            maeScale: 2, mseScale: 4)
        #expect(a.count == 3)  // the censored period is not scored
        #expect(abs(a.mae - 4.0 / 3) < 1e-12)  // |1| + |1| + |-2|
        #expect(abs(a.wape - 4.0 / 6) < 1e-12)
        #expect(abs(a.mape - 100 * (0.5 + 0.5) / 2) < 1e-12)  // zeros skipped: 1/2, 2/4
        #expect(abs(a.bias - 0.0) < 1e-12)  // (1 + 1 - 2) / 6
        #expect(abs(a.coverage - 2.0 / 3) < 1e-12)  // 4 is outside [1, 3]
        #expect(a.meanWidth == 2)
        #expect(abs(a.mase - (4.0 / 3) / 2) < 1e-12)
        #expect(abs(a.rmsse - (2.0 / 4).squareRoot()) < 1e-12)  // MSE 6/3 = 2, scale 4
        // pinball: y=2 q=(2,4): 0.1*0 + 0.1*2 = 0.2; y=0 q=(0,2): 0 + 0.1*2 = 0.2; y=4 q=(1,3): 0.1*3 + 0.9*1 = 1.2
        #expect(abs(a.meanPinball - (0.2 + 0.2 + 1.2) / 6) < 1e-12)
        var b = ErrorAccumulator()
        b.merge(a)
        b.merge(a)
        #expect(b.count == 6 && abs(b.mae - a.mae) < 1e-12)
    }

    @Test func scalesAndClasses() {
        let s = seasonalScales([1, 3, 2, 5], seasonLength: 1)
        #expect(s.mae == 2 && abs(s.mse - 14.0 / 3) < 1e-12)
        #expect(seasonalScales([1], seasonLength: 7).mae.isNaN)
        #expect(DemandClass.classify([Double](repeating: 10, count: 100)) == .fast)
        #expect(DemandClass.classify([Double](repeating: 1, count: 100)) == .slow)
        #expect(DemandClass.classify((0..<100).map { $0 % 3 == 0 ? 4 : 0 }) == .intermittent)
        #expect(DemandClass.classify([5, 5, 5]) == .new)
    }
}

struct PolynomialRootTests {
    /// Schur–Cohn (used by the ETS admissibility test) agrees with explicit root finding.
    @Test func schurCohnAgreesWithAberthRoots() {
        var state: UInt64 = 7
        func u() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1.0p-53 * 2 - 1
        }
        var agree = 0
        for _ in 0..<200 {
            let degree = 2 + Int((u() + 1) * 4)
            let c = (0...degree).map { k in k == degree ? 1 : u() * 0.9 }
            let inside = allRootsInside(c)
            let modulus = largestRootModulus(c)
            if abs(modulus - 1) < 1e-6 {
                agree += 1
                continue
            }  // on the circle: either answer is fine
            if inside == (modulus < 1) { agree += 1 }
        }
        #expect(agree == 200)
        #expect(allRootsInside([0.25, 0, 1]))  // z = +-0.5i
        #expect(allRootsInside([-0.25, 0, 1]))  // z = +-0.5
        #expect(!allRootsInside([-4, 0, 1]))  // z = +-2
    }
}

struct ConformalTests {
    @Test func quantilesPerStepAndScaledIntervals() throws {
        let scores: [[Double]] = [[-2, -1, 0, 1, 2], [], [-4, 0, 4]]
        let c = try #require(ConformalCalibration(level: 0.5, scoresByStep: scores))
        #expect(c.lower == [-1, -1, -2])  // step 2 borrows step 1
        #expect(c.upper == [1, 1, 2])
        let (lo, hi) = c.interval(mean: [10, 10, 10], scale: 3)
        #expect(lo == [7, 7, 4] && hi == [13, 13, 16])
        #expect(ConformalCalibration(level: 0.8, scoresByStep: [[], []]) == nil)
        #expect(conformalScale([5, 5, 5, 5, 5, 5, 5, 5], seasonLength: 7) == 5)  // no seasonal variation: mean level
        #expect(conformalScale([0, 0], seasonLength: 7) == 1)
    }

    /// The quantiles are selected, not sorted: the same values bit for bit as interpolating the
    /// sorted scores, on skewed, tied and interleaved samples; scores that are not numbers are left out.
    @Test func selectedQuantilesMatchTheSortedOnesAndSkipNaN() throws {
        for n in [1, 2, 3, 10, 101, 1_000] {
            // Fixed, skewed, with ties (every 7th is 0.5, every 3rd is 0) and interleaved signs.
            let scores: [Double] = (0..<n).map { (i: Int) -> Double in
                if i % 7 == 0 { return 0.5 }
                let spread = Double((i * 7_919) % 1_201) / 100 - 3
                return spread * Double(i % 3)
            }
            let sorted = scores.sorted()
            for level in [0.5, 0.8, 0.95] {
                let c = try #require(ConformalCalibration(level: level, scoresByStep: [scores]))
                #expect(c.lower == [quantile(sorted, (1 - level) / 2)], "n \(n) level \(level)")
                #expect(c.upper == [quantile(sorted, (1 + level) / 2)], "n \(n) level \(level)")
                let withNaN = try #require(ConformalCalibration(level: level, scoresByStep: [scores + [.nan, -.infinity]]))
                #expect(withNaN == c)
            }
        }
        #expect(ConformalCalibration(level: 0.8, scoresByStep: [[.nan], [.nan]]) == nil)
    }

    @Test func sampleKeepsTheSamePointsWhateverTheOrder() {
        var a = ScoreSample(expectedPoints: 1_000, cap: 100)
        var b = ScoreSample(expectedPoints: 1_000, cap: 100)
        let key = ScoreSample.ScoreKey(model: 0, fold: 1, step: 2)
        for i in 0..<1_000 { a.add(key, series: i, score: Double(i), scale: 1) }
        for i in (0..<1_000).reversed() { b.add(key, series: i, score: Double(i), scale: 1) }
        let sa = a.points[key]!.map(\.0).sorted(), sb = b.points[key]!.map(\.0).sorted()
        #expect(sa == sb)
        #expect(sa.count > 50 && sa.count < 200)
    }
}
