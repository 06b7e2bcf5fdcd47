import Forecasting
import Foundation

/// What a model version serves, apart from its trained artifacts: the model (or the per-class
/// selection), its transform and point-forecast loss (in `ModelSpec`), the interval level and the
/// backtest whose conformal calibration widens the intervals, the horizon, the frequency and the
/// extra attributes the global model reads. Seeds are fixed by the code (XGBoost seed 0, no
/// subsampling); local models re-estimate their parameters on each run's data.
public struct ForecastPolicy: Codable, Sendable, Equatable {
    public var frequency: Frequency
    public var horizon: Int
    /// One model for every series, or `selected` with `selection`.
    public var model: ModelSpec
    /// Demand class ("fast", "slow", "intermittent", "new", "all") -> model, chosen by the qualifying backtest.
    public var selection: [SelectionSegment: ModelSpec]?
    public var intervalLevel: Double
    /// The backtest whose conformal calibration the intervals use (nil: model residual intervals).
    public var calibrationBacktestID: Int64?
    public var attributes: [String]?
    /// More interval levels its runs publish (`train --levels`), calibrated by the same backtest;
    /// nil: none (and absent from the stored policy, whose hash is then as before).
    public var quantileLevels: [Double]?

    public init(
        frequency: Frequency, horizon: Int, model: ModelSpec, selection: [SelectionSegment: ModelSpec]? = nil,
        intervalLevel: Double, calibrationBacktestID: Int64? = nil, attributes: [String]? = nil
    ) {
        self.frequency = frequency
        self.horizon = horizon
        self.model = model
        self.selection = selection
        self.intervalLevel = intervalLevel
        self.calibrationBacktestID = calibrationBacktestID
        self.attributes = attributes
    }

    /// `config` serving this policy as `version`; `horizon` nil: the policy's.
    public func applied(to config: RunConfig, version: ServedVersion, horizon: Int? = nil) throws -> RunConfig {
        var c = config
        c.frequency = frequency
        c.horizon = horizon ?? self.horizon
        c.model = model
        c.selection = selection
        c.intervalLevel = intervalLevel
        c.calibrationBacktestID = calibrationBacktestID
        c.attributes = attributes
        if let quantileLevels { c.quantileLevels = quantileLevels }
        c.served = version
        c.shadow = nil
        if c.usesGlobalModel && c.horizon > self.horizon {
            throw PipelineError.invalidArgument(
                "model version \(version.version) was trained for \(self.horizon) periods ahead; a horizon of \(c.horizon) needs a version trained for it (forecastctl train --horizon \(c.horizon))"
            )
        }
        return c
    }

    /// One line: `XGBoost`, `Selected{fast=AutoETS; ...}`.
    public var summary: String {
        if let selection {
            return "Selected{" + selection.keys.sorted().map { "\($0.rawValue)=\((try? selection[$0]!.primaryName().text) ?? "?")" }.joined(separator: "; ")
                + "}"
        }
        return (try? model.primaryName().text) ?? model.argument
    }

    /// The global models the policy needs artifacts for.
    var globalModels: [ModelSpec] { ModelSpec.globalMembers(of: ModelSpec.served(model, selection)) }

    var json: String {
        get throws { String(decoding: try JSONEncoder.sorted.encode(self), as: UTF8.self) }
    }
}

/// The registry version a run serves.
public struct ServedVersion: Codable, Sendable, Equatable {
    public var id: Int64
    public var version: String
    public init(id: Int64, version: String) {
        self.id = id
        self.version = version
    }
}

/// The shadow version a run also forecasts with (rows in `forecast.side_forecasts`).
public struct ShadowServing: Codable, Sendable, Equatable {
    public var version: ServedVersion
    public var policy: ForecastPolicy
}
