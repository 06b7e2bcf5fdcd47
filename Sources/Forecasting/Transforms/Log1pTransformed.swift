import Foundation

/// Fits a model on log(1 + y) and back-transforms its forecasts with exp(x) - 1.
///
/// Quantiles survive a monotone transform, so the interval bounds back-transform exactly. The
/// point forecast is the **median** on the original scale when the inner model's point is the
/// median (or the mean of a symmetric error) on the log scale: exp(mu) - 1. The **mean** needs the
/// lognormal correction exp(mu + sigma_h^2 / 2) - 1, with sigma_h read off the inner model's own
/// interval at step h (its half-width over the normal quantile of the level). Which one is served
/// is `point`; the name says it, e.g. `AutoETS[log1p]` (median) or `AutoETS[log1p,mean]`.
/// Negative inputs (returns) are clipped at zero before the transform.
public struct Log1pTransformed: ForecastModel {
    public let inner: any ForecastModel
    public let point: PointForecast

    public init(_ inner: any ForecastModel, point: PointForecast = .median) {
        self.inner = inner
        self.point = point
    }

    public var name: String { Self.name(inner.name, point) }
    public var minimumObservations: Int { inner.minimumObservations }

    static func name(_ inner: String, _ point: PointForecast) -> String {
        point == .median ? "\(inner)[log1p]" : "\(inner)[log1p,mean]"
    }

    public static func forward(_ y: [Double]) -> [Double] { y.map { Foundation.log1p(max(0, $0)) } }
    public static func backward(_ x: Double) -> Double { Foundation.expm1(x) }

    public func fit(_ y: [Double]) throws -> any FittedModel {
        try requireObservations(y)
        return Fitted(inner: try inner.fit(Self.forward(y)), point: point)
    }

    public struct Fitted: FittedModel {
        public let inner: any FittedModel
        public let point: PointForecast

        public var modelName: String { Log1pTransformed.name(inner.modelName, point) }
        public var fitted: [Double] { inner.fitted.map { $0.isFinite ? Log1pTransformed.backward($0) : .nan } }

        public func predict(horizon: Int, level: Double) throws -> Forecast {
            let f = try inner.predict(horizon: horizon, level: level)
            let z = normalQuantile((1 + level) / 2)
            var mean = f.mean.map(Log1pTransformed.backward)
            if point == .mean {
                for h in 0..<f.mean.count {
                    let sigma = max(0, (f.upper[h] - f.lower[h]) / (2 * z))
                    mean[h] = Foundation.expm1(f.mean[h] + sigma * sigma / 2)
                }
            }
            return Forecast(
                mean: mean, lower: f.lower.map(Log1pTransformed.backward),
                upper: f.upper.map(Log1pTransformed.backward), level: level)
        }
    }
}

extension Log1pTransformed: Refittable {
    /// A searching inner model (AutoETS, AutoTheta) refits warm on the transformed history.
    public func refit(_ y: [Double], after previous: any FittedModel, keepStructure: Bool, sameOrigin: Bool) throws -> any FittedModel {
        guard let searching = inner as? any Refittable, let earlier = previous as? Fitted else { return try fit(y) }
        try requireObservations(y)
        return Fitted(
            inner: try searching.refit(
                Self.forward(y), after: earlier.inner, keepStructure: keepStructure,
                sameOrigin: sameOrigin), point: point)
    }
}
