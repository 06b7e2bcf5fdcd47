import Forecasting
import Postgres

/// The shape of a synthetic catalogue. Deterministic: the same spec gives the same rows.
public struct DemoSpec: Sendable {
    public var items: Int
    public var locations: Int
    public var days: Int
    /// Last day of history (inclusive).
    public var end: PostgresDate
    public var seed: UInt64
    /// Days of calendar after `end` (must cover every horizon you intend to run).
    public var futureDays: Int
    /// `.week`: sales are written as weekly totals dated on each ISO week's Monday (a weekly
    /// source); prices, promotions, stockouts and the calendar stay daily.
    public var frequency: Frequency = .day

    public init(items: Int, locations: Int, days: Int, end: PostgresDate, seed: UInt64, futureDays: Int = 400) {
        self.items = items
        self.locations = locations
        self.days = days
        self.end = end
        self.seed = seed
        self.futureDays = futureDays
    }

    public var start: PostgresDate { PostgresDate(unixDays: end.unixDays - days + 1) }
    public var seriesCount: Int { items * locations }

    public func validate() throws {
        guard items >= 1, locations >= 1 else { throw PipelineError.invalidArgument("--items and --locations must be at least 1") }
        guard days >= 14 else { throw PipelineError.invalidArgument("--days must be at least 14, got \(days)") }
        guard items <= 1_000_000, locations <= 10_000 else { throw PipelineError.invalidArgument("--items at most 1000000, --locations at most 10000") }
    }
}

/// One item of the catalogue with its demand profile.
struct DemoItem: Sendable {
    enum Velocity: String, Sendable { case fast, medium, intermittent }
    let id: String
    let category: Int
    let family: Int
    let velocity: Velocity
    /// Mean units per day at an average location before seasonality.
    let baseRate: Double
    let trendPerYear: Double
    let yearlyAmplitude: Double
    let yearlyPhase: Double
    /// Day index (from spec.start) of launch; 0 = existed before history.
    let launchDay: Int
    /// Day index of discontinuation (exclusive), nil = still sold.
    let endDay: Int?
    /// Day index from which a second SCD version with another category applies.
    let recategorisedDay: Int?
    let basePrice: Double
}

struct DemoLocation: Sendable {
    let id: String
    let region: Int
    let scale: Double
    /// Day index from which a second SCD version (region change) applies.
    let regionChangeDay: Int?
}

/// Entities of the catalogue derived from the spec.
struct DemoCatalog: Sendable {
    static let categories = ["beverages", "snacks", "dairy", "produce", "household", "personal_care", "frozen", "bakery"]
    static let regions = ["north", "south", "east", "west"]
    /// Day-of-week multipliers (Monday first) per category group.
    static let weekly: [[Double]] = [
        [0.85, 0.85, 0.9, 0.95, 1.15, 1.4, 0.9],
        [0.9, 0.9, 0.95, 1.0, 1.1, 1.25, 0.9],
        [1.0, 0.95, 0.95, 1.0, 1.05, 1.1, 0.95],
    ]

    let spec: DemoSpec
    let items: [DemoItem]
    let locations: [DemoLocation]

    init(spec: DemoSpec) {
        self.spec = spec
        var items: [DemoItem] = []
        items.reserveCapacity(spec.items)
        for i in 0..<spec.items {
            var rng = SplitMix64(seed: spec.seed, stream: 0x1000_0000 + UInt64(i))
            let u = rng.uniform()
            let velocity: DemoItem.Velocity = u < 0.3 ? .fast : (u < 0.7 ? .medium : .intermittent)
            let rate: Double
            switch velocity {
            case .fast: rate = 8 + 40 * rng.uniform()
            case .medium: rate = 1.5 + 5 * rng.uniform()
            case .intermittent: rate = 0.05 + 0.4 * rng.uniform()
            }
            let lifecycle = rng.uniform()
            var launch = 0, end: Int? = nil
            if lifecycle < 0.05 {
                launch = Int(Double(spec.days) * (0.5 + 0.45 * rng.uniform()))
            }  // new item
            else if lifecycle < 0.08 {
                end = Int(Double(spec.days) * (0.4 + 0.5 * rng.uniform()))
            }  // discontinued
            let recategorised: Int? = (i == 0 || (i % 97 == 13)) ? spec.days / 2 : nil
            items.append(
                DemoItem(
                    id: "I" + String(i + 1).leftPadded(to: 6), category: Int(rng.next() % UInt64(Self.categories.count)),
                    family: Int(rng.next() % 4), velocity: velocity, baseRate: rate,
                    trendPerYear: -0.15 + 0.4 * rng.uniform(), yearlyAmplitude: 0.05 + 0.3 * rng.uniform(),
                    yearlyPhase: 2 * Double.pi * rng.uniform(), launchDay: launch, endDay: end,
                    recategorisedDay: recategorised, basePrice: (1 + 20 * rng.uniform() * rng.uniform()).roundedCents))
        }
        var locations: [DemoLocation] = []
        for l in 0..<spec.locations {
            var rng = SplitMix64(seed: spec.seed, stream: 0x2000_0000 + UInt64(l))
            locations.append(
                DemoLocation(
                    id: "L" + String(l + 1).leftPadded(to: 4), region: Int(rng.next() % 4),
                    scale: 0.4 + 1.2 * rng.uniform(),
                    regionChangeDay: l == 0 && spec.days > 60 ? spec.days / 3 : nil))
        }
        self.items = items
        self.locations = locations
    }

    func date(_ day: Int) -> PostgresDate { PostgresDate(unixDays: spec.start.unixDays + day) }

    /// Fixed-date holidays and a few retail events, by (month, day).
    static func event(_ date: PostgresDate) -> (String?, Bool) {
        let (_, m, d) = date.components
        switch (m, d) {
        case (1, 1): return ("new_year", true)
        case (5, 1): return ("labour_day", true)
        case (12, 25): return ("christmas", true)
        case (12, 26): return ("boxing_day", true)
        case (12, 24): return ("christmas_eve", false)
        case (11, 27...30) where weekday(date) == 4: return ("black_friday", false)
        case (7, 1...7) where weekday(date) == 5: return ("summer_sale", false)
        default: return (nil, false)
        }
    }

    /// Monday = 0.
    static func weekday(_ date: PostgresDate) -> Int { ((date.unixDays + 3) % 7 + 7) % 7 }
}

extension Double {
    var roundedCents: Double { (self * 100).rounded() / 100 }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
