import Forecasting
import Foundation
import Postgres
import Testing

@testable import Pipeline

/// The global model's codes of text values match byte for byte, as the database's keys do
/// (`ExactCodes`). No database needed.
struct ExactCodesTests {
    /// Two spellings of "Café" that Swift's String calls equal but PostgreSQL keeps apart (a
    /// precomposed é; e + U+0301), a control character, a right-to-left mark and an empty text:
    /// each its own code, listed in byte order whatever order they come in, and a stored list
    /// gives every value back its code.
    @Test func canonicallyEquivalentSpellingsAreTwoCodes() throws {
        let precomposed = "Caf\u{E9}", decomposed = "Cafe\u{301}"
        #expect(precomposed == decomposed)  // what made them share one code
        let hostile = [decomposed, "A\u{7}B", precomposed, "\u{200F}x", "", "Cafe"]
        var orders: Set<[String]> = []
        for shuffle in 0..<20 {
            var rng = SplitMix64(seed: UInt64(shuffle))
            let codes = ExactCodes(distinct: (hostile + hostile).shuffled(using: &rng))
            orders.insert(codes.values)
            #expect(codes.values.count == hostile.count)
            #expect(codes.code(precomposed) != codes.code(decomposed))
            for v in hostile { #expect(codes.values[try #require(codes.code(v))].utf8.elementsEqual(v.utf8)) }
            #expect(codes.code("Caf") == nil)
        }
        #expect(orders.count == 1)
        let values = try #require(orders.first)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        let stored = ExactCodes(stored: values)
        for v in hostile { #expect(stored.code(v) == ExactCodes(distinct: hostile).code(v)) }
    }

    /// Through the training path: two items with canonically equivalent ids at one location get
    /// two item codes, and a category spelled both ways two category codes.
    @Test func seriesKeepTheirOwnItemAndCategoryCodes() {
        let segments = [
            GlobalTraining.Segment(category: "Caf\u{E9}", region: "r", location: "L1", family: "f", item: "Caf\u{E9}"),
            GlobalTraining.Segment(category: "Cafe\u{301}", region: "r", location: "L1", family: "f", item: "Cafe\u{301}"),
        ]
        let codes = GlobalTraining.codes(segments, attributes: [], attributeValues: [])
        #expect(codes.items.count == 2 && codes.categories.count == 2 && codes.locations == ["L1"])
        let series = segments.enumerated().map { i, segment in
            GlobalTraining.global(
                SeriesInput(
                    seriesNo: i, itemID: segment.item, locationID: "L1",
                    start: PostgresDate(iso: "2026-01-05")!, values: [1, 2, 3],
                    censored: [false, false, false], planned: nil, rowsRead: 3, checksum: 0),
                segment: segment, codes: codes, frequency: .week)
        }
        #expect(Set(series.map(\.item)) == [0, 1])
        #expect(Set(series.map(\.category)) == [0, 1])
        // Attribute values too.
        let attributeCodes = SeriesAttributes.codes(["item.brand"], values: [["item.brand": .string("Caf\u{E9}")], ["item.brand": .string("Cafe\u{301}")]])
        #expect(attributeCodes["item.brand"]?.count == 2)
        let encoded = SeriesAttributes.encode(["item.brand": .string("Cafe\u{301}")], names: ["item.brand"], codes: attributeCodes)
        #expect(encoded == [Float(attributeCodes["item.brand"]!.firstIndex { $0.utf8.elementsEqual("Cafe\u{301}".utf8) }!)])
    }
}
