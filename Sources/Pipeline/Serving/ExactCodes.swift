/// Codes of text values (categories, regions, locations, families, items, attribute values) for
/// the global model: a value's code is its position in a list sorted by its UTF-8 bytes, and a
/// value matches a code only byte for byte, as PostgreSQL compares keys. Swift's `String ==`
/// and `Set<String>` treat canonically equivalent spellings as one (a precomposed "é" and "e" +
/// U+0301): two items the database keeps apart shared one code, and which spelling a stored
/// model kept depended on hash order, so the artifact's lists changed from one training to the
/// next. Sorting by bytes also gives the same order on every platform and for every script.
struct ExactCodes: Sendable {
    /// The distinct values, in byte order: the list stored with a model.
    let values: [String]
    private let positions: [[UInt8]: Int]

    /// From a stored list (its order is the code; the first of repeated spellings keeps it).
    init(stored values: [String]) {
        self.values = values
        var positions: [[UInt8]: Int] = [:]
        for (i, v) in values.enumerated() where positions[Array(v.utf8)] == nil { positions[Array(v.utf8)] = i }
        self.positions = positions
    }

    /// The distinct values of `values`, sorted by their bytes.
    init(distinct values: some Sequence<String>) {
        var seen: [[UInt8]: String] = [:]
        for v in values { seen[Array(v.utf8)] = v }
        self.init(stored: seen.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { seen[$0]! })
    }

    /// The code of `value`: matched byte for byte; nil when the list does not hold it.
    func code(_ value: String) -> Int? { positions[Array(value.utf8)] }
}
