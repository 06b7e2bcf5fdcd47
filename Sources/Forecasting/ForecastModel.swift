/// The contract every model follows (after Nixtla statsforecast's): `fit` returns an immutable
/// fitted value; `predict` gives `horizon` point forecasts with an interval; `forecast` is exactly
/// `fit` then `predict`.
public protocol ForecastModel: Sendable {
    /// Name recorded in `forecast.forecasts.model_name`, e.g. `SeasonalNaive(7)`.
    var name: String { get }
    /// Fewest observations `fit` accepts.
    var minimumObservations: Int { get }
    func fit(_ y: [Double]) throws -> any FittedModel
}

public protocol FittedModel: Sendable {
    /// The model that actually produced this fit (a fallback chain reports the member that served).
    var modelName: String { get }
    /// In-sample fitted values, aligned with the training series; NaN where undefined.
    var fitted: [Double] { get }
    func predict(horizon: Int, level: Double) throws -> Forecast
}

extension ForecastModel {
    /// One-shot forecast; equal by definition to `fit(y).predict(horizon:level:)`.
    public func forecast(_ y: [Double], horizon: Int, level: Double) throws -> Forecast {
        try fit(y).predict(horizon: horizon, level: level)
    }

    func requireObservations(_ y: [Double]) throws {
        guard y.count >= minimumObservations else {
            throw ForecastError.tooShort(model: name, needed: minimumObservations, got: y.count)
        }
        if let i = y.firstIndex(where: { !$0.isFinite }) {
            throw ForecastError.nonFinite(model: name, index: i)
        }
    }
}

/// Point forecasts with one central interval.
public struct Forecast: Sendable, Equatable {
    public var mean: [Double]
    public var lower: [Double]
    public var upper: [Double]
    /// Nominal coverage of `lower...upper`, e.g. 0.8.
    public var level: Double

    public init(mean: [Double], lower: [Double], upper: [Double], level: Double) {
        self.mean = mean
        self.lower = lower
        self.upper = upper
        self.level = level
    }

    public var horizon: Int { mean.count }

    /// The equal-weight combination of two forecasts of the same horizon: point and bounds averaged
    /// period by period (the level is the first's).
    public static func mean(_ a: Forecast, _ b: Forecast) -> Forecast {
        func avg(_ x: [Double], _ y: [Double]) -> [Double] { zip(x, y).map { ($0 + $1) / 2 } }
        return Forecast(mean: avg(a.mean, b.mean), lower: avg(a.lower, b.lower), upper: avg(a.upper, b.upper), level: a.level)
    }

    /// Demand cannot be negative: clamp every value at zero and keep `lower <= mean <= upper`.
    public func clampedNonNegative() -> Forecast {
        var out = self
        for i in 0..<mean.count {
            let m = max(0, mean[i])
            out.mean[i] = m
            out.lower[i] = min(max(0, lower[i]), m)
            out.upper[i] = max(upper[i], m)
        }
        return out
    }
}

public enum ForecastError: Error, Equatable, CustomStringConvertible, Sendable {
    case tooShort(model: String, needed: Int, got: Int)
    case nonFinite(model: String, index: Int)
    case invalidParameter(model: String, message: String)
    case invalidHorizon(Int)
    case invalidLevel(Double)

    public var description: String {
        switch self {
        case .tooShort(let model, let needed, let got):
            return "\(model) needs at least \(needed) observations, got \(got)"
        case .nonFinite(let model, let index):
            return "\(model) got a non-finite value at position \(index)"
        case .invalidParameter(let model, let message):
            return "\(model): \(message)"
        case .invalidHorizon(let h):
            return "horizon must be at least 1, got \(h)"
        case .invalidLevel(let level):
            return "interval level must be between 0 and 1 (exclusive), got \(level)"
        }
    }
}

func validate(horizon: Int, level: Double) throws {
    guard horizon >= 1 else { throw ForecastError.invalidHorizon(horizon) }
    guard level > 0, level < 1 else { throw ForecastError.invalidLevel(level) }
}
