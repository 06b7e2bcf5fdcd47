import Testing

@testable import Postgres

struct BinaryCopyTests {
    @Test func layoutMatchesThePostgresFormat() {
        var w = BinaryCopyWriter()
        w.beginRow(fieldCount: 3)
        w.append("ab")
        w.appendNull()
        w.append(Int32(7))
        let bytes = w.finished()
        #expect(Array(bytes.prefix(11)) == BinaryCopyWriter.signature)
        #expect(Array(bytes[11..<19]) == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[19...]) == [0, 3, 0, 0, 0, 2, 0x61, 0x62, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 4, 0, 0, 0, 7, 0xFF, 0xFF])
        #expect(w.rowCount == 1)
    }

    @Test func doublesAndDatesAreBigEndian() {
        var w = BinaryCopyWriter()
        w.append(1.0)
        w.append(PostgresDate(daysSince2000: 1))
        #expect(Array(w.bytes[19...]) == [0, 0, 0, 8, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1])
    }
}
