import Foundation
import Testing

@testable import Pipeline

/// `Listing` (issue 31, item 1): one value per cell gives the text people read and the typed JSON
/// and CSV scripts read, with stable field names.
struct ListingTests {
    static func sample() -> Listing {
        var l = Listing("models", columns: [.init("version"), .init("wape", "WAPE"), .init("rows"), .init("gate_passed", "gate"), .init("note")])
        l.add([.text("1.0.0"), .percent(0.18449), .integer(5460), .flag(true, shown: "pass"), .missing(shown: "-")])
        l.add([
            .text("=cmd|' /C calc'!A0, \"x\"\u{301}\n"), .percent(.nan), .integer(-3), .flag(false, shown: "FAIL"),
            .term("running", shown: "running (idle 5 s)"),
        ])
        return l
    }

    @Test func textShowsWhatPeopleReadAndJSONKeepsTheTypes() throws {
        let l = Self.sample()
        #expect(l.rows[0].map(\.shown) == ["1.0.0", "18.4%", "5460", "pass", "-"])
        #expect(l.rows[1][4].shown == "running (idle 5 s)" && l.rows[1][1].shown == "-")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(l.json.utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed[0]["wape"] as? Double == 0.18449 && parsed[0]["rows"] as? Int == 5460 && parsed[0]["gate_passed"] as? Bool == true)
        #expect(parsed[0]["note"] is NSNull && parsed[1]["wape"] is NSNull)
        #expect(parsed[1]["version"] as? String == "=cmd|' /C calc'!A0, \"x\"\u{301}\n" && parsed[1]["note"] as? String == "running")
        // Whole numbers without a fraction; the shortest form that reads back otherwise.
        #expect(Listing.Cell.number(1024, digits: 0).json == "1024" && Listing.Cell.number(0.1 + 0.2, digits: 1).json == "0.30000000000000004")
        #expect(Listing.Cell.number(-.infinity, digits: 1).json == "null")
    }

    /// Issue 31, item 7: ages and sizes in one readable form each.
    @Test func durationsAndSizesReadAsPeopleSayThem() {
        #expect(
            [0.14, 45, 720, 11_100, 187_200, -31_795_547.4].map { Listing.Cell.duration($0).shown }
                == ["0.1 s", "45 s", "12 min", "3 h 05 min", "2 d 04 h", "in 368 d 00 h"])
        #expect(Listing.Cell.duration(93_600).json == "93600" && Listing.Cell.duration(nil).json == "null")
        #expect(Listing.Cell.bytes(933_888).shown == "0.9 MB" && Listing.Cell.bytes(2_000_000_000).shown == "1907.3 MB")
        #expect(Listing.Cell.bytes(2_000_000_000).json == "2000000000")
    }

    @Test func csvHasTheFieldNamesAndNeutralisesFormulas() {
        let lines = Self.sample().csv.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "version,wape,rows,gate_passed,note")
        #expect(lines[1] == "1.0.0,0.18449,5460,true,")
        // The hostile label: quoted (comma, quote, line break), its quotes doubled, a leading ' against the formula.
        #expect(lines[2] == "\"'=cmd|' /C calc'!A0, \"\"x\"\"\u{301}")
        #expect(lines[3] == "\",,-3,false,running")
    }

    /// `--format jsonl`: one object per line, the same typed values as JSON, a value's line break escaped.
    @Test func jsonLinesAreOneObjectPerRow() throws {
        let lines = Self.sample().jsonLines.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2)
        let parsed = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(parsed[0]["wape"] as? Double == 0.18449 && parsed[0]["gate_passed"] as? Bool == true && parsed[0]["note"] is NSNull)
        #expect(parsed[1]["version"] as? String == "=cmd|' /C calc'!A0, \"x\"\u{301}\n" && parsed[1]["rows"] as? Int == -3)
        #expect(Listing("empty", columns: [.init("a")]).jsonLines == "")
    }

    @Test func severalListingsAreOneObjectKeyedByName() throws {
        var other = Listing("freshness", columns: [.init("frequency")])
        other.add([.text("day")])
        let text = Listing.json([Self.sample(), other])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [[String: Any]]])
        #expect(parsed["models"]?.count == 2 && parsed["freshness"]?.first?["frequency"] as? String == "day")
        #expect(Listing.json([Listing("empty", columns: [.init("a")])]) == "[]")
    }
}
