import Foundation
import Postgres
import Testing

@testable import Forecasting
@testable import Pipeline

/// One series whose model throws does not fail its work item: the naive forecast serves it,
/// named `Naive[fallback]` on its rows.
struct SeriesIsolation {
    struct Refusing: ForecastModel {
        var name: String { "Refusing" }
        var minimumObservations: Int { 1 }
        func fit(_ y: [Double]) throws -> any FittedModel {
            throw ForecastError.invalidParameter(model: name, message: "refuses every series")
        }
    }

    @Test func aSeriesWhoseModelThrowsIsServedByTheFallback() throws {
        var config = RunConfig(horizon: 3)
        config.model = ModelSpec(kind: .naive, seasonLength: 7, window: 28)
        let reader = SeriesReader(
            runID: 1, cutoff: PostgresDate(iso: "2026-11-27")!, asOf: PostgresTimestamp(text: "2026-11-28T06:00:00Z")!, frequency: .day,
            schema: SQLIdentifier("demand"))
        let forecaster = ChunkForecaster(
            runID: 1, cutoff: PostgresDate(iso: "2026-11-27")!, generatedAt: PostgresTimestamp(text: "2026-11-28T06:00:00Z")!, modelVersion: "test",
            config: config, chooser: .single(.local(Refusing(), primaryName: "Refusing")),
            reader: reader)
        let series = SeriesInput(
            seriesNo: 0, itemID: "I1", locationID: "L1", start: PostgresDate(iso: "2026-11-01")!,
            values: [3, 4, 5, 6, 7], censored: [Bool](repeating: false, count: 5), planned: nil,
            rowsRead: 5, checksum: 0)
        var writer = BinaryCopyWriter()
        try forecaster.encode(series, into: &writer)
        #expect(writer.rowCount == 3)
        let bytes = writer.bytes
        let name = Array(ServedModel.fallbackName.text.utf8)
        let occurrences = (0...(bytes.count - name.count)).filter { Array(bytes[$0..<($0 + name.count)]) == name }.count
        #expect(occurrences == 3)
    }
}
