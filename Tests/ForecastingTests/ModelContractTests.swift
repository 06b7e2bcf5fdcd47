import Testing

@testable import Forecasting

/// One parameterised contract over every model: lengths, finiteness, ordering of the interval,
/// fit+predict == forecast, determinism, and the "too short" error.
struct ModelContractTests {
    static let series: [Double] = (0..<60).map { (t: Int) -> Double in
        let weekly: Double = Double(t % 7) * 2
        let noise: Double = Double((t * 37) % 11) / 3
        return 10 + weekly + noise
    }

    static let models: [any ForecastModel] = [
        Naive(),
        try! SeasonalNaive(seasonLength: 7),
        try! MovingAverage(window: 14),
        try! FallbackChain([try! SeasonalNaive(seasonLength: 7), Naive()]),
        try! SimpleExponentialSmoothing(alpha: 0.3),
        Croston(variant: .classic),
        Croston(variant: .sba),
        try! TSB(alphaD: 0.2, alphaP: 0.1),
        try! ETS(ETSSpec(code: "AAdA")!, seasonLength: 7),
        try! AutoTheta(seasonLength: 7),
        try! MedianEnsemble([Naive(), try! SeasonalNaive(seasonLength: 7), try! SimpleExponentialSmoothing(alpha: 0.2)]),
    ]

    @Test(arguments: 0..<models.count)
    func contract(_ index: Int) throws {
        let model = Self.models[index]
        let fitted = try model.fit(Self.series)
        let prediction = try fitted.predict(horizon: 28, level: 0.8)
        #expect(prediction.mean.count == 28)
        #expect(prediction.lower.count == 28 && prediction.upper.count == 28)
        #expect(fitted.fitted.count == Self.series.count)
        for h in 0..<28 {
            #expect(prediction.mean[h].isFinite)
            #expect(prediction.lower[h] <= prediction.mean[h])
            #expect(prediction.mean[h] <= prediction.upper[h])
        }
        let oneShot = try model.forecast(Self.series, horizon: 28, level: 0.8)
        #expect(oneShot == prediction)
        let again = try model.forecast(Self.series, horizon: 28, level: 0.8)
        #expect(again.mean.map(\.bitPattern) == prediction.mean.map(\.bitPattern))
        #expect(throws: ForecastError.self) { try fitted.predict(horizon: 0, level: 0.8) }
        #expect(throws: ForecastError.self) { try fitted.predict(horizon: 3, level: 1.2) }
    }
}
