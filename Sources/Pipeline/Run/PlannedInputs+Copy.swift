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
        let priceDays = try row.readInt32Array() ?? []
        let prices = try row.readDoubleArray() ?? []
        let priceKnown = try row.readInt64Array() ?? []
        let offset = Int(PostgresDate.unixEpochOffset)
        self.init(
            promotions: (0..<min(promoDays.count, intensity.count, types.count, promoKnown.count)).map {
                .init(day: Int(promoDays[$0]) + offset, intensity: intensity[$0], type: types[$0], knownAt: promoKnown[$0])
            },
            prices: (0..<min(priceDays.count, prices.count, priceKnown.count)).map {
                .init(day: Int(priceDays[$0]) + offset, price: prices[$0], knownAt: priceKnown[$0])
            })
    }
}
