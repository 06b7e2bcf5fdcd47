import PropertyBased

/// Random text as a hostile table, flag or file would hold it: mostly ASCII (quotes, `<`, `&`,
/// backslashes, `|`, `#`, newlines, ESC, NUL), combining marks (a `"` followed by U+0301 is one
/// Character), C1 controls, bidirectional overrides, lone surrogates (decoded as a file's bytes
/// would be, to U+FFFD) and any other scalar. Built from UTF-16 units so that lone surrogates can
/// be asked for.
enum HostileText {
    static let specials: [UInt16] = Array("\"'<>&\\`|#*_[](){}=,;:\n\r\t\u{1B}\u{0}\u{7F}".utf16)
    static let bidi: [UInt16] = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029]

    static func units(_ word: UInt32) -> [UInt16] {
        let raw = word & 0x0FFF_FFFF
        switch word >> 28 {
        case 0...3: return [UInt16(raw % 128)]
        case 4, 5: return [UInt16(0x0300 + raw % 0x70)]
        case 6: return [UInt16(0x80 + raw % 32)]
        case 7: return [bidi[Int(raw) % bidi.count]]
        case 8: return [UInt16(0xD800 + raw % 0x800)]
        case 9: return [0x22, 0x0301]
        case 10, 11: return [specials[Int(raw) % specials.count]]
        default:
            let v = raw % 0x11_0000
            if v < 0x1_0000 { return [UInt16(v)] }
            let u = v - 0x1_0000
            return [UInt16(0xD800 + (u >> 10)), UInt16(0xDC00 + (u & 0x3FF))]
        }
    }

    static let gen = Gen<UInt32>.value(in: 0...UInt32.max).array(of: 0...48).map { words -> String in
        String(decoding: words.flatMap(units), as: UTF16.self)
    }

    /// Cases per encoder.
    static let cases = 2000
}
