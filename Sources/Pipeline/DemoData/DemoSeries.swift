import Forecasting
import Foundation
import Postgres

/// Simulates one item x location: demand with weekly and yearly seasonality, trend, holidays,
/// promotions (uplift, announced 14 days ahead), price changes (elasticity), stockout spells
/// (zero sales while out of stock), a few returns. Appends sales, prices, promotions and
/// inventory rows to the COPY writers.
struct DemoSeries {
    let catalog: DemoCatalog
    let item: DemoItem
    let location: DemoLocation
    let seriesIndex: Int

    struct Writers {
        var sales = BinaryCopyWriter(reservingCapacity: 1 << 22)
        var prices = BinaryCopyWriter(reservingCapacity: 1 << 18)
        var promotions = BinaryCopyWriter(reservingCapacity: 1 << 18)
        var inventory = BinaryCopyWriter(reservingCapacity: 1 << 18)
    }

    func generate(into w: inout Writers) {
        let spec = catalog.spec
        var rng = SplitMix64(seed: spec.seed, stream: 0x3000_0000_0000 + UInt64(seriesIndex))
        let total = spec.days + spec.futureDays
        let weekly = DemoCatalog.weekly[item.category % DemoCatalog.weekly.count]
        let rate = item.baseRate * location.scale
        let last = item.endDay ?? spec.days

        // Price path: changes every 60-150 days by -15%..+10%; planned (known) 30 days before.
        var price = item.basePrice
        var nextChange = 0
        // Promotions: on average 1 promo of 3-10 days per 60 days for fast/medium items.
        var promoUntil = -1, promoIntensity = 0.0, promoType = ""
        var stockoutUntil = -1
        // Weekly sources: the running week's total, written on the next Monday (or at the end).
        var week: (monday: PostgresDate, qty: Double)?
        func flushWeek() {
            guard let (monday, qty) = week, qty != 0 else {
                week = nil
                return
            }
            w.sales.beginRow(fieldCount: 5)
            w.sales.append(item.id)
            w.sales.append(location.id)
            w.sales.append(monday)
            w.sales.append(qty)
            w.sales.append(PostgresTimestamp(date: spec.frequency.advance(monday, by: 1), secondsOfDay: 2 * 3600))
            week = nil
        }
        for day in 0..<total {
            let ds = catalog.date(day)
            if spec.frequency == .week && spec.frequency.isPeriodStart(ds.civil) { flushWeek() }
            if day == nextChange {
                if day > 0 { price = (price * (0.85 + 0.25 * rng.uniform())).roundedCents }
                // Announced 30 days ahead; a price announced after the demo's last day is not in
                // its feed yet (a row known after its own load is what prices_known_after_load flags).
                if day - 30 < spec.days {
                    let knownAt = PostgresTimestamp(date: catalog.date(max(0, day - 30)), secondsOfDay: 9 * 3600)
                    w.prices.beginRow(fieldCount: 5)
                    w.prices.append(item.id)
                    w.prices.append(location.id)
                    w.prices.append(ds)
                    w.prices.append(max(0.01, price))
                    w.prices.append(knownAt)
                }
                nextChange = day + 60 + Int(rng.next() % 91)
            }
            if day > promoUntil, item.velocity != .intermittent, rng.uniform() < 1.0 / 60 {
                let length = 3 + Int(rng.next() % 8)
                promoUntil = day + length - 1
                promoIntensity = (0.1 + 0.4 * rng.uniform()).roundedCents
                promoType = rng.uniform() < 0.6 ? "discount" : "display"
                // Announced 14 days ahead; not in the feed when announced after the demo's last day.
                let knownAt = PostgresTimestamp(date: catalog.date(max(0, day - 14)), secondsOfDay: 9 * 3600)
                for d in day...promoUntil where d < total && day - 14 < spec.days {
                    w.promotions.beginRow(fieldCount: 6)
                    w.promotions.append(item.id)
                    w.promotions.append(location.id)
                    w.promotions.append(catalog.date(d))
                    w.promotions.append(promoType)
                    w.promotions.append(promoIntensity)
                    w.promotions.append(knownAt)
                }
            }
            guard day < spec.days, day >= item.launchDay, day < last else { continue }

            // Stockouts: fast and medium movers run out now and then for 2-6 days.
            if day > stockoutUntil, item.velocity != .intermittent, rng.uniform() < 0.004 {
                stockoutUntil = day + 1 + Int(rng.next() % 5)
            }
            if day <= stockoutUntil {
                w.inventory.beginRow(fieldCount: 5)
                w.inventory.append(item.id)
                w.inventory.append(location.id)
                w.inventory.append(ds)
                w.inventory.append(0.0)
                w.inventory.append(true)
                continue  // zero sales while out of stock: no row
            }

            let t = Double(day) / 365.25
            var lambda = rate * weekly[DemoCatalog.weekday(ds)]
            lambda *= 1 + item.yearlyAmplitude * (2 * Double.pi * t + item.yearlyPhase).sin
            lambda *= max(0.2, 1 + item.trendPerYear * t)
            lambda *= (price / item.basePrice).elasticity
            if day <= promoUntil { lambda *= 1 + 2 * promoIntensity }
            let (event, holiday) = DemoCatalog.event(ds)
            if holiday { lambda *= 0.3 } else if event != nil { lambda *= 1.8 }
            if day - item.launchDay < 60 && item.launchDay > 0 { lambda *= 0.3 + 0.7 * Double(day - item.launchDay) / 60 }

            var qty = Double(rng.poisson(lambda))
            if rng.uniform() < 0.0005 { qty -= Double(1 + rng.next() % 3) }  // returns exceeding sales
            guard qty != 0 else { continue }
            if spec.frequency == .week {
                let monday = spec.frequency.periodStart(ds)
                week = (monday, (week?.qty ?? 0) + qty)
                continue
            }
            w.sales.beginRow(fieldCount: 5)
            w.sales.append(item.id)
            w.sales.append(location.id)
            w.sales.append(ds)
            w.sales.append(qty)
            w.sales.append(PostgresTimestamp(date: PostgresDate(unixDays: ds.unixDays + 1), secondsOfDay: 2 * 3600))
        }
        flushWeek()
    }
}

extension Double {
    /// Demand multiplier for a relative price (constant elasticity -1.5).
    var elasticity: Double { Foundation.pow(self, -1.5) }
}
