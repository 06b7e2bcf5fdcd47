/// Moving average: every future value equals the mean of the last `window` observations
/// (statsforecast `WindowAverage`). Fitted value at t is the mean of y(t-window)..y(t-1).
public struct MovingAverage: ForecastModel {
    public let window: Int

    public init(window: Int) throws {
        guard window >= 1 else {
            throw ForecastError.invalidParameter(model: "MovingAverage", message: "window must be at least 1, got \(window)")
        }
        self.window = window
    }

    public var name: String { "MovingAverage(\(window))" }
    public var minimumObservations: Int { window }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        try requireObservations(y)
        var fitted = [Double](repeating: .nan, count: y.count)
        var sum = y[0..<window].reduce(0, +)
        for t in window..<max(window, y.count) {
            fitted[t] = sum / Double(window)
            sum += y[t] - y[t - window]
        }
        let mean = y.suffix(window).reduce(0, +) / Double(window)
        return Fitted(
            level: mean, name: name, fitted: fitted,
            intervals: ResidualIntervals(actual: y, fitted: fitted))
    }

    struct Fitted: FittedModel {
        let level: Double
        let name: String
        let fitted: [Double]
        let intervals: ResidualIntervals
        var modelName: String { name }

        func predict(horizon: Int, level nominal: Double) throws -> Forecast {
            try validate(horizon: horizon, level: nominal)
            let mean = [Double](repeating: level, count: horizon)
            return intervals.forecast(mean: mean, level: nominal) { _ in 1 }
        }
    }
}
