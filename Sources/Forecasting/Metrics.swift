/// Point-forecast accuracy measures (definitions as in Hyndman & Athanasopoulos, FPP3 §5.8).
/// `actual` and `forecast` are aligned; all functions return NaN when undefined.
public enum Metrics {
    /// Mean absolute error.
    public static func mae(_ actual: [Double], _ forecast: [Double]) -> Double {
        mean(zip(actual, forecast).map { abs($0 - $1) })
    }

    /// Root mean squared error.
    public static func rmse(_ actual: [Double], _ forecast: [Double]) -> Double {
        mean(zip(actual, forecast).map { ($0 - $1) * ($0 - $1) }).squareRoot()
    }

    /// Mean absolute percentage error in percent, over periods with a non-zero actual only
    /// (undefined when every actual is zero: never show it alone for intermittent demand).
    public static func mape(_ actual: [Double], _ forecast: [Double]) -> Double {
        let terms = zip(actual, forecast).filter { $0.0 != 0 }.map { abs(($0.0 - $0.1) / $0.0) }
        return 100 * mean(terms)
    }

    /// Symmetric MAPE in percent, `200 * |y - f| / (|y| + |f|)`, with 0/0 counted as 0.
    public static func smape(_ actual: [Double], _ forecast: [Double]) -> Double {
        100
            * mean(
                zip(actual, forecast).map { y, f in
                    let d = abs(y) + abs(f)
                    return d == 0 ? 0 : 2 * abs(y - f) / d
                })
    }

    /// Weighted absolute percentage error, `sum|y - f| / sum|y|`, as a fraction.
    public static func wape(_ actual: [Double], _ forecast: [Double]) -> Double {
        let denominator = actual.reduce(0) { $0 + abs($1) }
        guard denominator > 0 else { return .nan }
        return zip(actual, forecast).reduce(0) { $0 + abs($1.0 - $1.1) } / denominator
    }

    /// Mean absolute scaled error: MAE divided by the in-sample MAE of the seasonal naive
    /// forecast with period `seasonLength` on `training` (Hyndman & Koehler 2006).
    public static func mase(_ actual: [Double], _ forecast: [Double], training: [Double], seasonLength: Int) -> Double {
        let m = max(1, seasonLength)
        guard training.count > m else { return .nan }
        let scale = mean((m..<training.count).map { abs(training[$0] - training[$0 - m]) })
        guard scale > 0 else { return .nan }
        return mae(actual, forecast) / scale
    }

    /// Mean error `mean(f - y)`: positive means over-forecasting.
    public static func bias(_ actual: [Double], _ forecast: [Double]) -> Double {
        mean(zip(actual, forecast).map { $1 - $0 })
    }

    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }
}
