/// What a point forecast estimates. The metrics decide it: absolute-error costs (MAE, WAPE, and
/// MAPE-like ratios) are minimised by the median of the predictive distribution, squared-error
/// costs (RMSE) and Tweedie deviance by the mean. For demand that is skewed (promotions,
/// intermittent weeks) the two differ, so every model says which one it produces and the
/// backtest chooses between them like any other model choice.
public enum PointForecast: String, Sendable, Codable, CaseIterable {
    case mean, median
}

/// A transform of the target that a local model is fitted on.
public enum TargetTransform: String, Sendable, Codable, CaseIterable {
    /// log(1 + y): multiplicative, promotion-driven demand becomes additive; zeros stay finite.
    case log1p
}
