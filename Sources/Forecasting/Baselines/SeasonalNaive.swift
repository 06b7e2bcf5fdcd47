/// Seasonal naive: `yhat(T+h) = y(T+h-m*(floor((h-1)/m)+1))`, the value one season back
/// (Hyndman & Athanasopoulos, FPP3 §5.2; statsforecast `SeasonalNaive`).
/// Fitted value at t is y(t-m); errors accumulate once per season (k(h) = ceil(h/m)).
public struct SeasonalNaive: ForecastModel {
    public let seasonLength: Int

    public init(seasonLength: Int) throws {
        guard seasonLength >= 1 else {
            throw ForecastError.invalidParameter(model: "SeasonalNaive", message: "season length must be at least 1, got \(seasonLength)")
        }
        self.seasonLength = seasonLength
    }

    public var name: String { "SeasonalNaive(\(seasonLength))" }
    public var minimumObservations: Int { seasonLength }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        try requireObservations(y)
        let m = seasonLength
        var fitted = [Double](repeating: .nan, count: y.count)
        for t in m..<max(m, y.count) { fitted[t] = y[t - m] }
        return Fitted(
            lastSeason: Array(y.suffix(m)), name: name, fitted: fitted,
            intervals: ResidualIntervals(actual: y, fitted: fitted))
    }

    struct Fitted: FittedModel {
        let lastSeason: [Double]
        let name: String
        let fitted: [Double]
        let intervals: ResidualIntervals
        var modelName: String { name }

        func predict(horizon: Int, level: Double) throws -> Forecast {
            try validate(horizon: horizon, level: level)
            let m = lastSeason.count
            let mean = (0..<horizon).map { lastSeason[$0 % m] }
            return intervals.forecast(mean: mean, level: level) { h in Double((h + m - 1) / m) }
        }
    }
}
