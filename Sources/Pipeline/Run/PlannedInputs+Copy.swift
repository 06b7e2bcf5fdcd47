import Forecasting
import GradientBoosting
import Postgres

extension PlannedInputs {
    /// Reads the seven planned-input array columns of `SeriesReader.plannedColumns`.
    init(reading row: inout BinaryCopyRow) throws {
        let promoDays = try row.readInt32Array() ?? []
        let intensity = try row.readDoubleArray() ?? []
        let types = try row.readStringArray() ?? []
        let promoKnown = try row.readInt64Array() ?? []
        let offset = Int(PostgresDate.unixEpochOffset)
        self.init(
            promotions: (0..<min(promoDays.count, intensity.count, types.count, promoKnown.count)).map {
                .init(day: Int(promoDays[$0]) + offset, intensity: intensity[$0], type: types[$0], knownAt: promoKnown[$0])
            },
            prices: try Self.prices(reading: &row))
    }

    /// Reads three aligned price array columns: days since 2000-01-01, prices, and when each became
    /// known (microseconds since 2000-01-01 UTC). A NULL array reads as empty.
    static func prices(reading row: inout BinaryCopyRow) throws -> [Price] {
        let days = try row.readInt32Array() ?? []
        let prices = try row.readDoubleArray() ?? []
        let known = try row.readInt64Array() ?? []
        let offset = Int(PostgresDate.unixEpochOffset)
        return (0..<min(days.count, prices.count, known.count)).map {
            .init(day: Int(days[$0]) + offset, price: prices[$0], knownAt: known[$0])
        }
    }
}
