import Forecasting

/// What the global model's point forecast estimates, and the XGBoost 1.7 objective that fits it.
public enum BoostingObjective: String, Sendable, Codable, CaseIterable {
    /// Tweedie deviance (power 1.3) on the scaled target: the **mean** of non-negative, often-zero demand.
    case tweedie
    /// Absolute error (`reg:absoluteerror`): the **median**, what WAPE and MAE reward.
    case absoluteError = "l1"
    /// Pseudo-Huber loss (slope 1) on log(1 + y) relative to the series' recent log level (mean of
    /// log(1 + y) over the short window): multiplicative effects (a promotion that triples sales
    /// at any level) become additive, and the point forecast is the **median** (exp − 1 of the
    /// predicted log), what WAPE and MAPE reward. Grown leaf-wise (15 leaves, 300 rounds x 0.05).
    case logLevel = "log"

    public var point: PointForecast { self == .tweedie ? .mean : .median }

    var parameters: [(String, String)] {
        switch self {
        case .tweedie: return [("objective", "reg:tweedie"), ("tweedie_variance_power", "1.3")]
        case .absoluteError: return [("objective", "reg:absoluteerror")]
        case .logLevel: return [("objective", "reg:pseudohubererror"), ("huber_slope", "1")]
        }
    }

    /// Tree growth: depth-wise (depth 6) for the scaled-demand objectives, leaf-wise for the log one.
    var growth: [(String, String)] {
        switch self {
        case .tweedie, .absoluteError: return [("max_depth", "6"), ("min_child_weight", "5")]
        case .logLevel: return [("grow_policy", "lossguide"), ("max_depth", "0"), ("max_leaves", "15"), ("min_child_weight", "10")]
        }
    }
}
