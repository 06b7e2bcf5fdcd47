import Forecasting
import Postgres

/// One row per run and series of `forecast.series_stats`: what the model saw (history length,
/// recent level, spread, zero and stockout shares), its demand class, what served it, and the
/// MASE scale that evaluation divides errors by, and the mean forecast and interval width. The monitoring dataset: drift and evaluation
/// read these compact rows instead of the raw history. Written by the worker in the transaction
/// that writes the series' forecasts.
enum SeriesProfile {
    static let layout = CopyLayout(
        schema: SQLIdentifier("forecast"), table: "series_stats",
        columns: [
            "run_id", "item_id", "location_id", "periods", "recent_mean", "recent_sd", "recent_zero_share", "recent_stockout_share",
            "mase_scale", "demand_class", "served_model", "forecast_mean", "forecast_width",
        ])

    /// Periods of the "recent" window: four weeks of days, a quarter of weeks.
    static func window(_ frequency: Frequency) -> Int { frequency == .day ? 28 : 13 }

    static func encode(
        _ series: SeriesInput, served: ChunkForecaster.Served, runID: Int64, frequency: Frequency,
        into writer: inout BinaryCopyWriter
    ) {
        let training = Censoring.impute(series.values, censored: series.censored)
        let n = min(window(frequency), series.values.count)
        let recent = series.values.suffix(n)
        let mean = n > 0 ? recent.reduce(0, +) / Double(n) : 0
        let variance = n > 1 ? recent.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1) : 0
        writer.beginRow(layout)
        writer.append(runID)
        writer.append(series.itemID)
        writer.append(series.locationID)
        writer.append(Int32(series.values.count))
        writer.append(mean)
        writer.append(variance.squareRoot())
        writer.append(n > 0 ? Double(recent.filter { $0 == 0 }.count) / Double(n) : 0)
        writer.append(n > 0 ? Double(series.censored.suffix(n).filter { $0 }.count) / Double(n) : 0)
        writer.append(conformalScale(training, seasonLength: frequency.defaultSeasonLength))
        writer.append(DemandClass.classify(training, frequency: frequency).rawValue)
        writer.append(served.modelName.text)
        writer.append(served.meanForecast)
        writer.append(served.meanWidth)
    }
}
