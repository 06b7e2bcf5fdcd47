/// Stored as columns, one array per field over the entries in key order: a worker decodes the run's
/// table (about 22k entries for 100 locations, 8 categories and 28 days) 3x faster than as one JSON
/// object per entry, and the text is half the size. Models stored before (a "table" object keyed
/// "category|location|day|origin") still decode.
extension CategoryPrices: Codable {
    private enum CodingKeys: String, CodingKey {
        case category, location, day, origin, sum, count, lowest, lowestOwner, second
        case table  // the earlier form
    }

    private struct LegacyEntry: Decodable {
        var sum: Double, count: Int, lowest: Double?, lowestOwner: Int, second: Double?
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        if let legacy = try c.decodeIfPresent([String: LegacyEntry].self, forKey: .table) {
            for (text, e) in legacy {
                let parts = text.split(separator: "|").compactMap { Int($0) }
                guard parts.count == 4 else {
                    throw DecodingError.dataCorruptedError(forKey: .table, in: c, debugDescription: "bad category-price key \(text)")
                }
                table[Key(category: parts[0], location: parts[1], day: parts[2], origin: parts[3])] =
                    Entry(sum: e.sum, count: e.count, lowest: e.lowest, lowestOwner: e.lowestOwner, second: e.second)
            }
            return
        }
        let category = try c.decode([Int].self, forKey: .category), location = try c.decode([Int].self, forKey: .location)
        let day = try c.decode([Int].self, forKey: .day), origin = try c.decode([Int].self, forKey: .origin)
        let sum = try c.decode([Double].self, forKey: .sum), count = try c.decode([Int].self, forKey: .count)
        let lowest = try c.decode([Double?].self, forKey: .lowest), owner = try c.decode([Int].self, forKey: .lowestOwner)
        let second = try c.decode([Double?].self, forKey: .second)
        let n = category.count
        guard [location.count, day.count, origin.count, sum.count, count.count, lowest.count, owner.count, second.count].allSatisfy({ $0 == n }) else {
            throw DecodingError.dataCorruptedError(forKey: .category, in: c, debugDescription: "category-price columns of different lengths")
        }
        table.reserveCapacity(n)
        for i in 0..<n {
            table[Key(category: category[i], location: location[i], day: day[i], origin: origin[i])] =
                Entry(sum: sum[i], count: count[i], lowest: lowest[i], lowestOwner: owner[i], second: second[i])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        let entries = table.sorted { $0.key < $1.key }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entries.map(\.key.category), forKey: .category)
        try c.encode(entries.map(\.key.location), forKey: .location)
        try c.encode(entries.map(\.key.day), forKey: .day)
        try c.encode(entries.map(\.key.origin), forKey: .origin)
        try c.encode(entries.map(\.value.sum), forKey: .sum)
        try c.encode(entries.map(\.value.count), forKey: .count)
        try c.encode(entries.map(\.value.lowest), forKey: .lowest)
        try c.encode(entries.map(\.value.lowestOwner), forKey: .lowestOwner)
        try c.encode(entries.map(\.value.second), forKey: .second)
    }

    /// The JSON `encode(to:)` gives (the entries' columns in key order), written straight into one
    /// string. `JSONEncoder` first builds a node per value: for a thousand locations' table (280k
    /// entries, 2.5M values) that was the coordinating daemon's largest transient while planning a
    /// run. Throws on a price that is not finite, as the encoder does.
    public func jsonText() throws -> String {
        let keys = table.keys.sorted()
        var out = "{"
        out.reserveCapacity(keys.count * 90 + 200)
        func column(_ name: String, first: Bool = false, _ value: (Key, Entry) throws -> String) rethrows {
            out += (first ? "\"" : ",\"") + name + "\":["
            for (i, key) in keys.enumerated() {
                if i > 0 { out += "," }
                out += try value(key, table[key]!)
            }
            out += "]"
        }
        func number(_ x: Double?) throws -> String {
            guard let x else { return "null" }
            guard x.isFinite else {
                throw EncodingError.invalidValue(x, .init(codingPath: [], debugDescription: "a category price that is not finite: \(x)"))
            }
            return "\(x)"
        }
        column("category", first: true) { k, _ in "\(k.category)" }
        column("location") { k, _ in "\(k.location)" }
        column("day") { k, _ in "\(k.day)" }
        column("origin") { k, _ in "\(k.origin)" }
        try column("sum") { _, e in try number(e.sum) }
        column("count") { _, e in "\(e.count)" }
        try column("lowest") { _, e in try number(e.lowest) }
        column("lowestOwner") { _, e in "\(e.lowestOwner)" }
        try column("second") { _, e in try number(e.second) }
        return out + "}"
    }
}
