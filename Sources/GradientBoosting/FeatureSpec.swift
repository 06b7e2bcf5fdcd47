/// The features of the global gradient-boosted model and their lineage: what each is, where it
/// comes from, and when it is known. The model is **direct multi-horizon**: one row per series,
/// forecast origin t (the last period the model may see) and horizon h; the label is the demand
/// at t + h divided by the series' scale at t. Direct rather than recursive because errors do not
/// compound through fed-back predictions, every horizon trains in one model, and planned inputs
/// attach naturally to the target date.
public enum FeatureSpec {
    public struct Feature: Sendable {
        public let name: String
        public let formula: String
        public let source: String
        public let knownAt: String
    }

    public static let features: [Feature] = [
        Feature(name: "horizon", formula: "h, periods after the origin", source: "-", knownAt: "always"),
        Feature(name: "lag_1", formula: "y(t) / scale", source: "demand.sales (stockouts imputed)", knownAt: "origin"),
        Feature(name: "lag_2", formula: "y(t-1) / scale", source: "demand.sales", knownAt: "origin"),
        Feature(name: "lag_3", formula: "y(t-2) / scale", source: "demand.sales", knownAt: "origin"),
        Feature(name: "lag_7", formula: "y(t-6) / scale", source: "demand.sales", knownAt: "origin"),
        Feature(name: "same_weekday_last_week", formula: "y(t + h - 7 ceil(h/7)) / scale", source: "demand.sales", knownAt: "origin"),
        Feature(name: "mean_7", formula: "mean y(t-6..t) / scale", source: "demand.sales", knownAt: "origin"),
        Feature(name: "mean_28", formula: "mean y(t-27..t) / scale", source: "demand.sales", knownAt: "origin"),
        Feature(name: "sd_28", formula: "sd y(t-27..t) / scale", source: "demand.sales", knownAt: "origin"),
        Feature(name: "zero_share_28", formula: "share of zero periods in t-27..t", source: "demand.sales", knownAt: "origin"),
        Feature(name: "stockout_share_28", formula: "share of stockout periods in t-27..t", source: "demand.inventory", knownAt: "origin"),
        Feature(name: "day_of_week", formula: "ISO weekday of t + h (1 = Monday)", source: "calendar arithmetic", knownAt: "always"),
        Feature(name: "month", formula: "month of t + h", source: "calendar arithmetic", knownAt: "always"),
        Feature(name: "week_of_year", formula: "(day of year of t + h) / 7", source: "calendar arithmetic", knownAt: "always"),
        Feature(name: "is_holiday", formula: "calendar.is_holiday at t + h", source: "demand.calendar", knownAt: "planned"),
        Feature(name: "event", formula: "code of calendar.event at t + h (0 = none)", source: "demand.calendar", knownAt: "planned"),
        Feature(name: "promo_intensity", formula: "promotions.intensity on t + h, latest announcement known at the end of day t (0 = none)", source: "demand.promotions", knownAt: "planned, known_at <= origin"),
        Feature(name: "promo_type", formula: "code of promotions.promo_type on t + h known at origin (0 = none)", source: "demand.promotions", knownAt: "planned, known_at <= origin"),
        Feature(name: "price_ratio", formula: "price in force on t + h / mean price in force on t-27, t-20, t-13, t-6, all as known at origin", source: "demand.prices", knownAt: "planned, known_at <= origin"),
        Feature(name: "category_price_ratio", formula: "price in force on t + h / average price of the same category at the same location on t + h, all as known at origin", source: "demand.prices of every item (competing items)", knownAt: "planned, known_at <= origin"),
        Feature(name: "category", formula: "code of items.category valid at the cutoff", source: "demand.items (SCD2)", knownAt: "cutoff"),
        Feature(name: "family", formula: "code of items.family valid at the cutoff", source: "demand.items (SCD2)", knownAt: "cutoff"),
        Feature(name: "region", formula: "code of locations.region valid at the cutoff", source: "demand.locations (SCD2)", knownAt: "cutoff"),
        Feature(name: "log_scale", formula: "log(1 + scale), scale = mean y(t-27..t) (else the history mean, else 1)", source: "demand.sales", knownAt: "origin"),
    ]

    public static var names: [String] { features.map(\.name) }
}
