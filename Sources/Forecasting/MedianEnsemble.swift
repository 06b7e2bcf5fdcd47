/// The per-step median of several models' forecasts (a robust combination: one member's bad
/// forecast cannot drag the result; Petropoulos et al. 2022, "Forecasting: theory and practice"
/// §2.6). Members that cannot fit a series are left out; intervals come from the residuals of
/// the median of the members' fitted values.
public struct MedianEnsemble: ForecastModel {
    public let members: [any ForecastModel]

    public init(_ members: [any ForecastModel]) throws {
        guard !members.isEmpty else {
            throw ForecastError.invalidParameter(model: "MedianEnsemble", message: "needs at least one member")
        }
        self.members = members
    }

    public var name: String { "Median(" + members.map(\.name).joined(separator: ",") + ")" }
    public var minimumObservations: Int { members.map(\.minimumObservations).min() ?? 1 }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        try fit(y, reusing: [:])
    }

    /// Fits, reusing members already fitted to the same `y` (by member name), e.g. when a
    /// backtest evaluates the members on their own too.
    public func fit(_ y: [Double], reusing fitted: [String: any FittedModel]) throws -> any FittedModel {
        try requireObservations(y)
        let fits = members.filter { y.count >= $0.minimumObservations }.compactMap { fitted[$0.name] ?? (try? $0.fit(y)) }
        guard !fits.isEmpty else {
            throw ForecastError.invalidParameter(model: name, message: "no member could fit \(y.count) observations")
        }
        var fitted = [Double](repeating: .nan, count: y.count)
        for t in 0..<y.count {
            let values = fits.map { $0.fitted[t] }.filter(\.isFinite)
            if !values.isEmpty { fitted[t] = median(values) }
        }
        return Fitted(name: name, members: fits, fitted: fitted, intervals: ResidualIntervals(actual: y, fitted: fitted))
    }

    struct Fitted: FittedModel {
        let name: String
        let members: [any FittedModel]
        let fitted: [Double]
        let intervals: ResidualIntervals
        var modelName: String { name }

        func predict(horizon: Int, level: Double) throws -> Forecast {
            try validate(horizon: horizon, level: level)
            let forecasts = try members.map { try $0.predict(horizon: horizon, level: level).mean }
            let mean = (0..<horizon).map { h in median(forecasts.map { $0[h] }) }
            return intervals.forecast(mean: mean, level: level) { Double($0) }
        }
    }
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    let n = s.count
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
}
