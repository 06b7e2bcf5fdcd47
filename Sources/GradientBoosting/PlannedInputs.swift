/// Promotions and prices of one series, each with the time it became known (microseconds since
/// 2000-01-01 UTC). A model may use a planned input for a forecast made at time T only if it was
/// known by T: `promotion(on:knownBy:)` and `price(on:knownBy:)` enforce that.
public struct PlannedInputs: Sendable {
    public struct Promotion: Sendable { public let day: Int; public let intensity: Double; public let type: String; public let knownAt: Int64
        public init(day: Int, intensity: Double, type: String, knownAt: Int64) {
            self.day = day; self.intensity = intensity; self.type = type; self.knownAt = knownAt
        }
    }
    /// A price effective from `day` until the next row.
    public struct Price: Sendable { public let day: Int; public let price: Double; public let knownAt: Int64
        public init(day: Int, price: Double, knownAt: Int64) { self.day = day; self.price = price; self.knownAt = knownAt }
    }

    public let promotions: [Promotion]
    public let prices: [Price]

    public init(promotions: [Promotion], prices: [Price]) {
        self.promotions = promotions.sorted { ($0.day, $0.knownAt) < ($1.day, $1.knownAt) }
        self.prices = prices.sorted { ($0.day, $0.knownAt) < ($1.day, $1.knownAt) }
    }

    /// Microseconds since 2000-01-01 of the end of a unix day: what is known when day `d` closes.
    public static func endOfDay(_ unixDay: Int) -> Int64 { Int64(unixDay - 10957 + 1) * 86_400_000_000 }

    /// The promotion on `day` as known by `knownBy` (the latest announcement), or nil.
    public func promotion(on day: Int, knownBy: Int64) -> Promotion? {
        promotions.last { $0.day == day && $0.knownAt <= knownBy }
    }

    /// The price in force on `day` as known by `knownBy`: the latest effective row on or before `day`.
    public func price(on day: Int, knownBy: Int64) -> Double? {
        var best: Price?
        for p in prices where p.day <= day && p.knownAt <= knownBy {
            if best == nil || p.day > best!.day || (p.day == best!.day && p.knownAt > best!.knownAt) { best = p }
        }
        return best?.price
    }
}
