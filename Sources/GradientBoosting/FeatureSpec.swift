import Forecasting
import Foundation

/// Which features a global model's rows carry, recorded with every artifact so that one trained
/// with an earlier set keeps predicting exactly as it was trained.
public enum FeatureSet: String, Codable, Sendable, CaseIterable {
    /// The rows before issue 28: lags, windows and ratios scaled by the recent mean; the log
    /// objective's labels relative to the mean of log(1 + y) over the short window. Artifacts
    /// stored without a feature set are this one.
    case base
    /// `base` plus the series' level in log space with long memory (`log_level`, `log_mean_<n>`,
    /// `log_gap_<n>`); the log objective's labels relative to `log_level`, the median of
    /// log(1 + y) over the long window (robust to promotion spikes).
    case longMemory = "long_memory"
    /// `longMemory` plus the item and the location as categorical features (XGBoost's own
    /// categorical splits: a leaf can hold any set of items, not a range of their codes), for the
    /// booster whose errors should differ from the others' (`xgboost:log_cat`).
    case categorical

    /// Carries the long-memory level features (and the log objective's robust normaliser).
    public var hasLongMemory: Bool { self != .base }
}

/// The features of the global gradient-boosted model and their lineage: what each is, where it
/// comes from, and when it is known. The model is **direct multi-horizon**: one row per series,
/// forecast origin t (the last period the model may see) and horizon h; the label is the demand
/// in period t + h divided by the series' scale at t. Direct rather than recursive because errors
/// do not compound through fed-back predictions, every horizon trains in one model, and planned
/// inputs attach naturally to the target period.
///
/// Windows are counted in periods of the series' frequency (`FeatureWindows`); every promotion
/// type in the data is a feature of its own, so the list depends on the data: `FeatureSpec(layout)`.
public struct FeatureSpec: Sendable {
    public typealias Feature = FeatureDescription

    public let features: [Feature]
    public var names: [String] { features.map(\.name) }
    /// XGBoost's feature types in column order: "c" for the categorical ones (`FeatureSet.categorical`), else "q".
    public var featureTypes: [String] {
        let categorical = featureSetIsCategorical ? Set(["item", "location"]) : []
        return names.map { categorical.contains($0) ? "c" : "q" }
    }
    let featureSetIsCategorical: Bool

    /// `attributes`: extra item/location attributes (`item.<key>`, `location.<key>`), one feature each.
    public init(frequency: Frequency, promoTypes: [String], attributes: [String] = [], featureSet: FeatureSet = .longMemory) {
        let w = FeatureWindows(frequency)
        let p = frequency.noun
        func f(_ name: String, _ formula: String, _ source: String, _ known: String) -> Feature {
            Feature(name: name, formula: formula, source: source, knownAt: known)
        }
        var out = [
            f("horizon", "h, \(p)s after the origin", "-", "always"),
            f("lag_1", "y(t) / scale", "demand.sales (stockouts imputed)", "origin"),
            f("lag_2", "y(t-1) / scale", "demand.sales", "origin"),
            f("lag_3", "y(t-2) / scale", "demand.sales", "origin"),
            f("lag_\(w.short)", "y(t-\(w.short - 1)) / scale", "demand.sales", "origin"),
            f(
                "same_period_last_season",
                "y(t + h - \(w.season) ceil(h/\(w.season))) / scale: the same \(p) one season before the target, the latest one seen", "demand.sales", "origin"),
            f("mean_short", "mean y(t-\(w.short - 1)..t) / scale", "demand.sales", "origin"),
            f("mean_long", "mean y(t-\(w.long - 1)..t) / scale", "demand.sales", "origin"),
            f("sd_long", "sd y(t-\(w.long - 1)..t) / scale", "demand.sales", "origin"),
            f("zero_share_long", "share of zero \(p)s in t-\(w.long - 1)..t", "demand.sales", "origin"),
            f("stockout_share_long", "share of stockout \(p)s in t-\(w.long - 1)..t", "demand.inventory", "origin"),
            f("day_of_week", "ISO weekday of the target \(p)'s first day (1 = Monday)", "calendar arithmetic", "always"),
            f("month", "month of the target \(p)'s first day", "calendar arithmetic", "always"),
            f("week_of_year", "ISO week of the target \(p)'s first day", "calendar arithmetic", "always"),
            f("year_sin", "sin(2 pi day-of-year / 365.25) of the target's first day (yearly Fourier term)", "calendar arithmetic", "always"),
            f("year_cos", "cos(2 pi day-of-year / 365.25) of the target's first day", "calendar arithmetic", "always"),
            f("is_holiday", "1 if any day of the target \(p) is a holiday", "demand.calendar", "planned"),
            f("event", "code of the first calendar.event in the target \(p) (0 = none)", "demand.calendar", "planned"),
            f(
                "promo_any", "highest promotion intensity of any type on a day of the target \(p), latest announcement known when the origin closed (0 = none)",
                "demand.promotions", "planned, known_at <= origin"),
            f("promo_any_at_origin", "the same for the origin \(p) t itself (a promoted lag is inflated)", "demand.promotions", "planned, known_at <= origin"),
        ]
        for type in promoTypes {
            out.append(
                f(
                    "promo_\(type)", "highest intensity of promotion type '\(type)' in the target \(p), as known at origin (0 = none)",
                    "demand.promotions", "planned, known_at <= origin"))
        }
        out += [
            f(
                "price_ratio", "price in force on the target \(p)'s first day / mean price in force at \(w.priceReference) as known at origin", "demand.prices",
                "planned, known_at <= origin"),
            f(
                "discount_depth", "1 - target price / regular price (the highest price in force at \(w.priceReference)), as known at origin", "demand.prices",
                "planned, known_at <= origin"),
            f(
                "price_change", "target price / price in force in the \(p) before the target, as known at origin", "demand.prices",
                "planned, known_at <= origin"),
            f(
                "category_price_ratio", "target price / average price of the same category at the same location in the target \(p), as known at origin",
                "demand.prices of every item (competing items)", "planned, known_at <= origin"),
            f(
                "cheapest_competitor_ratio",
                "target price / lowest price of another item of the same category at the same location in the target \(p), as known at origin",
                "demand.prices of every item", "planned, known_at <= origin"),
            f("category", "code of items.category valid at the cutoff", "demand.items (SCD2)", "cutoff"),
            f("family", "code of items.family valid at the cutoff", "demand.items (SCD2)", "cutoff"),
            f("region", "code of locations.region valid at the cutoff", "demand.locations (SCD2)", "cutoff"),
            f("log_scale", "log(1 + scale), scale = mean y(t-\(w.long - 1)..t) (else the history mean, else 1)", "demand.sales", "origin"),
        ]
        if featureSet.hasLongMemory {
            out.append(
                f(
                    "log_level",
                    "median of log(1 + y) over t-\(w.long - 1)..t: the current level, robust to promotion spikes (the log objective's labels are log(1 + y(t+h)) minus it)",
                    "demand.sales", "origin"))
        }
        let spans = w.logWindows.map { ("\($0)", "t-\($0 - 1)..t (\($0) \(p)s; fewer at the start of the history)") } + [("all", "the whole history 0..t")]
        for (suffix, span) in spans where featureSet.hasLongMemory {
            out.append(f("log_mean_\(suffix)", "mean of log(1 + y) over \(span): long memory of the series' level", "demand.sales", "origin"))
        }
        for (suffix, _) in spans where featureSet.hasLongMemory {
            out.append(
                f("log_gap_\(suffix)", "log_mean_\(suffix) - log_level: where demand stands against that past (negative: above it)", "demand.sales", "origin"))
        }
        if featureSet == .categorical {
            out.append(
                f(
                    "item", "code of the item (categorical: splits on sets of items; an item not seen in training is missing)",
                    "demand.sales (the series' item)", "cutoff"))
            out.append(f("location", "code of the location (categorical, as the item)", "demand.sales (the series' location)", "cutoff"))
        }
        for name in attributes {
            let table = name.hasPrefix("item.") ? "items" : "locations"
            out.append(
                f(
                    name, "attribute '\(name.drop { $0 != "." }.dropFirst())' of the \(table.dropLast()) (number; boolean 0/1; string: code of its value)",
                    "demand.\(table).attributes (SCD2)", "cutoff"))
        }
        features = out
        featureSetIsCategorical = featureSet == .categorical
    }
}
