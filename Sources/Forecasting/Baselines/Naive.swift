/// Naive: every future value equals the last observation. `yhat(T+h) = y(T)`.
/// Fitted value at t is y(t-1); errors accumulate like a random walk (k(h) = h).
public struct Naive: ForecastModel {
    public init() {}
    public var name: String { "Naive" }
    public var minimumObservations: Int { 1 }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        try requireObservations(y)
        var fitted = [Double](repeating: .nan, count: y.count)
        for t in 1..<max(1, y.count) { fitted[t] = y[t - 1] }
        return Fitted(
            last: y[y.count - 1], fitted: fitted,
            intervals: ResidualIntervals(actual: y, fitted: fitted))
    }

    struct Fitted: FittedModel {
        let last: Double
        let fitted: [Double]
        let intervals: ResidualIntervals
        var modelName: String { "Naive" }

        func predict(horizon: Int, level: Double) throws -> Forecast {
            try validate(horizon: horizon, level: level)
            let mean = [Double](repeating: last, count: horizon)
            return intervals.forecast(mean: mean, level: level) { Double($0) }
        }
    }
}
