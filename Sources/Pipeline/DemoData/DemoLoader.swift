import Foundation
import Postgres

/// `forecastctl demo-data`: replaces the contents of the input schema with a synthetic catalogue.
public struct DemoLoader: Sendable {
    public struct Report: Sendable {
        public var series = 0, sales = 0, prices = 0, promotions = 0, inventory = 0, items = 0, locations = 0, calendar = 0
        public var seconds = 0.0
    }

    public let spec: DemoSpec
    public let schema: SQLIdentifier

    public init(spec: DemoSpec, schema: SQLIdentifier = SQLIdentifier("demand")) {
        self.spec = spec
        self.schema = schema
    }

    func table(_ name: String) -> String { SQLIdentifier.qualified(schema, name) }

    /// The demo tables' COPY targets, in the order the writers encode the fields.
    static let columns: [String: [String]] = [
        "sales": ["item_id", "location_id", "ds", "qty", "loaded_at"],
        "prices": ["item_id", "location_id", "ds", "price", "known_at"],
        "promotions": ["item_id", "location_id", "ds", "promo_type", "intensity", "known_at"],
        "inventory": ["item_id", "location_id", "ds", "on_hand", "stockout"],
        "items": ["item_id", "valid_from", "valid_to", "category", "family", "description"],
        "locations": ["location_id", "valid_from", "valid_to", "region", "store_format"],
        "calendar": ["ds", "event", "is_holiday"],
    ]
    func layout(_ name: String) -> CopyLayout { CopyLayout(schema: schema, table: name, columns: Self.columns[name] ?? []) }

    public func load(on connection: Connection, progress: ((Int, Int, Int) -> Void)? = nil) throws -> Report {
        try spec.validate()
        let started = Date()
        let catalog = DemoCatalog(spec: spec)
        var report = Report()
        try connection.transaction { tx in
            // Bulk load: drop the plain (non-constraint) indexes of sales, rebuild them after.
            let indexes = try tx.query(
                Query(
                    """
                    SELECT c.relname::text AS name, pg_get_indexdef(i.indexrelid) AS definition
                    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                    WHERE i.indrelid = to_regclass(\(table("sales")))
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                    """
                ).named("sales_indexes")
            ).rows.map { (try $0.decode("name", as: String.self), try $0.decode("definition", as: String.self)) }
            for (name, _) in indexes {
                try tx.execute(Query("DROP INDEX \(ident: schema).\(ident: SQLIdentifier(name))").named("drop_sales_index"))
            }
            try tx.execute(
                Query(
                    """
                    TRUNCATE \(ident: schema).sales, \(ident: schema).items, \(ident: schema).locations, \(ident: schema).calendar,
                             \(ident: schema).prices, \(ident: schema).promotions, \(ident: schema).inventory
                    """
                ).named("truncate_demand"))
            report.items = try loadItems(catalog, tx)
            report.locations = try loadLocations(catalog, tx)
            report.calendar = try loadCalendar(catalog, tx)
            // Generate on a second thread while this one streams COPY: both cores busy.
            let batchSeries = 400
            let batches = (spec.seriesCount + batchSeries - 1) / batchSeries
            let channel = BatchChannel(capacity: 2)
            let producer = Thread {
                for b in 0..<batches {
                    var writers = DemoSeries.Writers()
                    for s in (b * batchSeries)..<min(spec.seriesCount, (b + 1) * batchSeries) {
                        let item = catalog.items[s / spec.locations], location = catalog.locations[s % spec.locations]
                        DemoSeries(catalog: catalog, item: item, location: location, seriesIndex: s).generate(into: &writers)
                    }
                    channel.put(writers)
                }
                channel.close()
            }
            producer.start()
            var done = 0
            var failure: Error?
            while let w = channel.take() {
                if failure != nil { continue }  // drain so the producer can finish
                do {
                    report.sales += try tx.copyIn(layout("sales"), data: w.sales)
                    report.prices += try tx.copyIn(layout("prices"), data: w.prices)
                    report.promotions += try tx.copyIn(layout("promotions"), data: w.promotions)
                    report.inventory += try tx.copyIn(layout("inventory"), data: w.inventory)
                } catch {
                    failure = error
                }
                done = min(spec.seriesCount, done + batchSeries)
                progress?(done, spec.seriesCount, report.sales)
            }
            if let failure { throw failure }
            try tx.setLocal("maintenance_work_mem", "512MB")
            for (_, definition) in indexes {
                // The server's own definition of the index dropped above (pg_get_indexdef), replayed.
                try tx.execute(Query(unsafeSQL: definition, name: "recreate_sales_index"))
            }
        }
        // VACUUM sets the visibility map, so that workers read sales with index-only scans.
        for t in ["sales", "items", "locations", "calendar", "prices", "promotions", "inventory"] {
            try connection.execute(Query("VACUUM (ANALYZE) \(ident: schema).\(ident: SQLIdentifier(t))").named("vacuum_demo_\(t)"))
        }
        report.series = spec.seriesCount
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    func loadItems(_ catalog: DemoCatalog, _ tx: Connection) throws -> Int {
        var w = BinaryCopyWriter()
        for item in catalog.items {
            // Versions start with the period of their day: weekly sales are dated on the week's
            // Monday, and an item launched mid-week must be valid on it.
            func start(_ day: Int) -> PostgresDate { spec.frequency.periodStart(catalog.date(day)) }
            let from = item.launchDay > 0 ? start(item.launchDay) : PostgresDate(unixDays: spec.start.unixDays - 365)
            let to = item.endDay.map { catalog.date($0) }
            let family = "family_\(item.family + 1)"
            func row(_ f: PostgresDate, _ t: PostgresDate?, _ category: Int) {
                w.beginRow(fieldCount: 6)
                w.append(item.id)
                w.append(f)
                if let t { w.append(t) } else { w.appendNull() }
                w.append(DemoCatalog.categories[category])
                w.append(family)
                w.append("demo item \(item.id)")
            }
            if let change = item.recategorisedDay, change > item.launchDay, change < (item.endDay ?? Int.max), start(change).unixDays > from.unixDays {
                row(from, start(change), item.category)
                row(start(change), to, (item.category + 1) % DemoCatalog.categories.count)
            } else {
                row(from, to, item.category)
            }
        }
        return try tx.copyIn(layout("items"), data: w)
    }

    func loadLocations(_ catalog: DemoCatalog, _ tx: Connection) throws -> Int {
        var w = BinaryCopyWriter()
        let from = PostgresDate(unixDays: spec.start.unixDays - 365)
        for l in catalog.locations {
            func row(_ f: PostgresDate, _ t: PostgresDate?, _ region: Int) {
                w.beginRow(fieldCount: 5)
                w.append(l.id)
                w.append(f)
                if let t { w.append(t) } else { w.appendNull() }
                w.append(DemoCatalog.regions[region])
                w.append(l.scale > 1 ? "hypermarket" : "supermarket")
            }
            if let change = l.regionChangeDay {
                row(from, catalog.date(change), l.region)
                row(catalog.date(change), nil, (l.region + 1) % DemoCatalog.regions.count)
            } else {
                row(from, nil, l.region)
            }
        }
        return try tx.copyIn(layout("locations"), data: w)
    }

    func loadCalendar(_ catalog: DemoCatalog, _ tx: Connection) throws -> Int {
        var w = BinaryCopyWriter()
        for day in -365..<(spec.days + spec.futureDays) {
            let ds = catalog.date(day)
            let (event, holiday) = DemoCatalog.event(ds)
            w.beginRow(fieldCount: 3)
            w.append(ds)
            if let event { w.append(event) } else { w.appendNull() }
            w.append(holiday)
        }
        return try tx.copyIn(layout("calendar"), data: w)
    }
}

/// A bounded hand-off between the generating thread and the COPY thread.
final class BatchChannel: @unchecked Sendable {
    private var items: [DemoSeries.Writers] = []
    private var closed = false
    private let condition = NSCondition()
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func put(_ w: DemoSeries.Writers) {
        condition.lock()
        while items.count >= capacity { condition.wait() }
        items.append(w)
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func take() -> DemoSeries.Writers? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        if items.isEmpty { return nil }
        let w = items.removeFirst()
        condition.broadcast()
        return w
    }
}
