import Testing

@testable import Forecasting

struct BaselineTests {
    @Test func naiveRepeatsLastValue() throws {
        let f = try Naive().forecast([1, 3, 2, 5], horizon: 3, level: 0.8)
        #expect(f.mean == [5, 5, 5])
    }

    @Test func naiveIntervalWidensWithSquareRootOfHorizon() throws {
        // residuals 2, -1, 3 -> sorted [-1, 2, 3]; type-7 quantile at 0.1 = -0.4, at 0.9 = 2.8
        let f = try Naive().forecast([1, 3, 2, 5], horizon: 4, level: 0.8)
        #expect(abs(f.lower[0] - (5 - 0.4)) < 1e-12)
        #expect(abs(f.upper[0] - (5 + 2.8)) < 1e-12)
        #expect(abs(f.upper[3] - (5 + 2.8 * 2)) < 1e-12)  // sqrt(4) = 2
    }

    @Test func seasonalNaiveRepeatsLastSeason() throws {
        let y: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let f = try SeasonalNaive(seasonLength: 3).forecast(y, horizon: 7, level: 0.8)
        #expect(f.mean == [7, 8, 9, 7, 8, 9, 7])
    }

    @Test func seasonalNaiveTooShortNamesTheNumbers() {
        #expect(throws: ForecastError.tooShort(model: "SeasonalNaive(7)", needed: 7, got: 3)) {
            _ = try SeasonalNaive(seasonLength: 7).fit([1, 2, 3])
        }
        let message = ForecastError.tooShort(model: "SeasonalNaive(7)", needed: 7, got: 3).description
        #expect(message == "SeasonalNaive(7) needs at least 7 observations, got 3")
    }

    @Test func movingAverageUsesLastWindow() throws {
        let model = try MovingAverage(window: 3)
        let fit = try model.fit([10, 20, 30, 40, 50])
        #expect(try fit.predict(horizon: 2, level: 0.9).mean == [40, 40])
        // fitted[3] = mean(10,20,30) = 20, fitted[4] = mean(20,30,40) = 30
        #expect(fit.fitted[3] == 20 && fit.fitted[4] == 30)
        #expect(fit.fitted[0].isNaN)
    }

    @Test func fallbackServesShortSeriesWithNaive() throws {
        let chain = try FallbackChain([try SeasonalNaive(seasonLength: 7), Naive()])
        #expect(try chain.fit([4, 5]).modelName == "Naive")
        #expect(try chain.fit(Array(repeating: 1, count: 10)).modelName == "SeasonalNaive(7)")
    }

    @Test func nonFiniteInputIsRejected() {
        #expect(throws: ForecastError.nonFinite(model: "Naive", index: 1)) {
            _ = try Naive().fit([1, .nan, 3])
        }
    }

    @Test func clampKeepsOrderingAndNonNegativity() {
        let f = Forecast(mean: [-1, 2], lower: [-3, 2.5], upper: [0.5, 1], level: 0.8).clampedNonNegative()
        #expect(f.mean == [0, 2])
        #expect(f.lower == [0, 2])
        #expect(f.upper == [0.5, 2])
    }

    @Test func quantileMatchesNumpyType7() {
        let v: [Double] = [1, 2, 3, 4]
        #expect(quantile(v, 0.5) == 2.5)
        #expect(abs(quantile(v, 0.1) - 1.3) < 1e-12)
        #expect(quantile(v, 1) == 4)
    }

    /// Selecting the two order statistics gives the sorted quantile bit for bit: many ties,
    /// sorted and reversed input, every probability the intervals use and the ends.
    @Test func selectedQuantileEqualsTheSortedOne() {
        var state: UInt64 = 7
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1.0p-53
        }
        var inputs: [[Double]] = [[5], [2, 1], (0..<730).map(Double.init), (0..<730).map { Double(729 - $0) }]
        for n in [3, 10, 57, 730] {
            inputs.append((0..<n).map { _ in (next() * 20).rounded() - 10 })  // ties
            inputs.append((0..<n).map { _ in next() * 100 - 50 })
        }
        let probabilities = [0, 0.025, 0.05, 0.1, 0.2, 0.5, 0.8, 0.9, 0.95, 0.975, 1]
        for v in inputs {
            for p in probabilities {
                #expect(selectedQuantile(v, p).bitPattern == quantile(v.sorted(), p).bitPattern, "n \(v.count) p \(p)")
                // Both ends of an interval from one copy: the same two values.
                for high in probabilities where high >= p {
                    let (a, b) = selectedQuantiles(v, p, high)
                    #expect(
                        a.bitPattern == quantile(v.sorted(), p).bitPattern && b.bitPattern == quantile(v.sorted(), high).bitPattern,
                        "n \(v.count) p \(p), \(high)")
                }
            }
        }
    }
}
