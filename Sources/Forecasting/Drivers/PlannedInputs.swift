/// Promotions and prices of one series, each with the time it became known (microseconds since
/// 2000-01-01 UTC). A model may use a planned input for a forecast made at time T only if it was
/// known by T: every accessor takes `knownBy` and enforces that.
public struct PlannedInputs: Sendable {
    public struct Promotion: Sendable {
        public let day: Int
        public let intensity: Double
        public let type: String
        public let knownAt: Int64
        public init(day: Int, intensity: Double, type: String, knownAt: Int64) {
            self.day = day
            self.intensity = intensity
            self.type = type
            self.knownAt = knownAt
        }
    }
    /// A price effective from `day` until the next row.
    public struct Price: Sendable {
        public let day: Int
        public let price: Double
        public let knownAt: Int64
        public init(day: Int, price: Double, knownAt: Int64) {
            self.day = day
            self.price = price
            self.knownAt = knownAt
        }
    }

    public let promotions: [Promotion]
    public let prices: [Price]

    public init(promotions: [Promotion], prices: [Price]) {
        self.promotions = promotions.sorted { ($0.day, $0.type, $0.knownAt) < ($1.day, $1.type, $1.knownAt) }
        self.prices = prices.sorted { ($0.day, $0.knownAt) < ($1.day, $1.knownAt) }
    }

    /// Microseconds since 2000-01-01 of the end of a unix day: what is known when day `d` closes.
    public static func endOfDay(_ unixDay: Int) -> Int64 { Int64(unixDay - 10957 + 1) * 86_400_000_000 }

    /// First index whose day is >= `day` (binary search on the sorted days).
    private static func lowerBound<T>(_ rows: [T], _ day: Int, _ dayOf: (T) -> Int) -> Int {
        var lo = 0, hi = rows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if dayOf(rows[mid]) < day { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The promotion on `day` as known by `knownBy` (the latest announcement of any type), or nil.
    public func promotion(on day: Int, knownBy: Int64) -> Promotion? {
        var best: Promotion?
        var i = Self.lowerBound(promotions, day) { $0.day }
        while i < promotions.count && promotions[i].day == day {
            let p = promotions[i]
            if p.knownAt <= knownBy && (best == nil || p.knownAt >= best!.knownAt) { best = p }
            i += 1
        }
        return best
    }

    /// Per promotion type, the highest intensity on any day of `days` as known by `knownBy` (the
    /// latest announcement for each day and type counts). Types with no promotion are absent.
    public func promotionIntensity(in days: ClosedRange<Int>, knownBy: Int64) -> [String: Double] {
        var latest: [String: (Int64, Double)] = [:]  // per "type|day"
        var out: [String: Double] = [:]
        var i = Self.lowerBound(promotions, days.lowerBound) { $0.day }
        while i < promotions.count && promotions[i].day <= days.upperBound {
            let p = promotions[i]
            i += 1
            guard p.knownAt <= knownBy else { continue }
            let key = "\(p.type)|\(p.day)"
            if let l = latest[key], l.0 > p.knownAt { continue }
            latest[key] = (p.knownAt, p.intensity)
        }
        for (key, value) in latest {
            let type = String(key[..<key.lastIndex(of: "|")!])
            out[type] = max(out[type] ?? 0, value.1)
        }
        return out
    }

    /// The price in force on `day` as known by `knownBy`: the latest effective row on or before
    /// `day` (among rows for the same day, the latest announcement).
    public func price(on day: Int, knownBy: Int64) -> Double? {
        var i = Self.lowerBound(prices, day + 1) { $0.day } - 1
        while i >= 0 {
            if prices[i].knownAt <= knownBy { return prices[i].price }
            i -= 1
        }
        return nil
    }
}
