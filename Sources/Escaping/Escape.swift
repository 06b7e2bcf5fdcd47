/// One escaping function per output language, each working on Unicode scalars, never on
/// `Character`s: a `"` followed by a combining mark is one `Character` that is not equal to `"`,
/// so a Character-wise encoder lets it through (issue 29, finding 3). Every value that reaches
/// one of these outputs from a table, a flag or a file goes through the function for that output.
///
/// What cannot be represented is replaced, not dropped silently: characters the output forbids
/// (control characters in HTML and XML, NUL in PostgreSQL text) become U+FFFD, so that what a
/// reader sees differs visibly from the source. Lone surrogates cannot occur in a Swift `String`
/// (decoding repairs them to U+FFFD before any of this runs).
public enum Escape {
    /// The replacement for a character the output cannot carry.
    public static let replacement: Unicode.Scalar = "\u{FFFD}"

    // MARK: HTML and SVG

    /// Text between HTML tags: `&`, `<` and `>` as entities (and both quotes, so that the same
    /// text is also safe inside a quoted attribute), characters HTML forbids replaced.
    public static func htmlText(_ s: String) -> String { markup(s, attribute: false) }

    /// A value inside a double- or single-quoted HTML attribute: as `htmlText`, plus the backtick
    /// (old browsers' unquoted-attribute delimiter), `=`, tab and line feed as references.
    public static func htmlAttribute(_ s: String) -> String { markup(s, attribute: true) }

    /// Text or a quoted attribute value of inline SVG (XML 1.0): as `htmlAttribute`; XML forbids
    /// the same control characters, and U+FFFE / U+FFFF.
    public static func svg(_ s: String) -> String { markup(s, attribute: true) }

    /// Whether HTML and XML 1.0 can carry the scalar as text: not a C0 control other than tab,
    /// line feed and carriage return, not DEL or a C1 control, not a noncharacter.
    public static func isMarkupSafe(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v < 0x20 { return v == 0x09 || v == 0x0A || v == 0x0D }
        if (0x7F...0x9F).contains(v) { return false }
        if (0xFDD0...0xFDEF).contains(v) || v & 0xFFFE == 0xFFFE { return false }
        return true
    }

    private static func markup(_ s: String, attribute: Bool) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            case "`" where attribute: out.append(contentsOf: "&#96;".unicodeScalars)
            case "=" where attribute: out.append(contentsOf: "&#61;".unicodeScalars)
            // Parsers normalise a raw carriage return (and, in XML attributes, tab and line feed)
            // away; as references they survive.
            case "\r": out.append(contentsOf: "&#13;".unicodeScalars)
            case "\n" where attribute: out.append(contentsOf: "&#10;".unicodeScalars)
            case "\t" where attribute: out.append(contentsOf: "&#9;".unicodeScalars)
            default: out.append(isMarkupSafe(u) ? u : replacement)
            }
        }
        return String(out)
    }

    // MARK: Markdown

    /// Inline Markdown text (CommonMark with GitHub tables): every ASCII punctuation character
    /// backslash-escaped (so no emphasis, link, code span, HTML tag, entity or table cell
    /// boundary can start), and every control character, line and paragraph separator a space
    /// (so that no value can start a line, a heading or a list).
    public static func markdown(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if isMarkdownPunctuation(u) {
                out.append("\\")
                out.append(u)
            } else if isLineBreakOrControl(u) {
                out.append(" ")
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    /// CommonMark's escapable characters: ASCII punctuation.
    public static func isMarkdownPunctuation(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    /// C0 and C1 controls, DEL, U+2028 and U+2029 (Markdown and terminals break lines on some).
    public static func isLineBreakOrControl(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029
    }

    // MARK: PostgreSQL

    /// A `text[]` literal (bind it as `$n::text[]`): every element double-quoted, `"` and `\`
    /// backslash-escaped. NUL, which PostgreSQL text cannot hold and which would end the C string
    /// of the bind, becomes U+FFFD.
    public static func postgresArray(_ elements: [String]) -> String {
        var out = String.UnicodeScalarView()
        out.append("{")
        for (i, element) in elements.enumerated() {
            if i > 0 { out.append(",") }
            out.append("\"")
            for u in element.unicodeScalars {
                switch u {
                case "\"", "\\":
                    out.append("\\")
                    out.append(u)
                case "\0": out.append(replacement)
                default: out.append(u)
                }
            }
            out.append("\"")
        }
        out.append("}")
        return String(out)
    }

    // MARK: JSON

    /// A JSON string literal, quotes included: `"` and `\` escaped, control characters as
    /// `\uXXXX`, and `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX` too, so that the literal is also
    /// safe inside an HTML `<script>` block or a JavaScript source.
    public static func json(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        out.append("\"")
        for u in s.unicodeScalars {
            switch u {
            case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "<", ">", "&", "\u{2028}", "\u{2029}": out.append(contentsOf: hex4(u.value).unicodeScalars)
            default:
                if u.value < 0x20 || u.value == 0x7F { out.append(contentsOf: hex4(u.value).unicodeScalars) } else { out.append(u) }
            }
        }
        out.append("\"")
        return String(out)
    }

    private static func hex4(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: false)
        return "\\u" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    // MARK: CSV

    /// One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or leading
    /// or trailing space, quotes doubled; NUL, which many readers stop at, replaced. A text field
    /// that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, tab or
    /// carriage return and is not a plain number) gets a leading `'`, as OWASP advises against
    /// CSV injection: a planner opens these files in a spreadsheet. Pass `isText: false` for
    /// numbers the program wrote itself.
    public static func csvField(_ s: String, isText: Bool = true) -> String {
        var scalars = String.UnicodeScalarView(s.unicodeScalars.map { $0 == "\0" ? replacement : $0 })
        if isText, let first = scalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(String(scalars))?.isFinite != true {
            scalars.insert("'", at: scalars.startIndex)
        }
        let needsQuotes =
            scalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || scalars.first == " " || scalars.last == " "
        guard needsQuotes else { return String(scalars) }
        var out = String.UnicodeScalarView()
        out.append("\"")
        for u in scalars {
            out.append(u)
            if u == "\"" { out.append(u) }
        }
        out.append("\"")
        return String(out)
    }

    // MARK: Terminal

    /// Text for a terminal: every scalar that could move the cursor, change colours or the title,
    /// or reorder what is shown (C0 and C1 controls including ESC, DEL, U+2028/9, the bidirectional
    /// overrides and isolates) as a visible `\u{1b}`, and `\` itself as `\\`, so that the original
    /// can be read back. Tab is kept only when `keepTabs`.
    public static func terminal(_ s: String, keepTabs: Bool = false) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if u == "\\" {
                out.append(contentsOf: "\\\\".unicodeScalars)
            } else if u == "\t" && keepTabs {
                out.append(u)
            } else if isTerminalUnsafe(u) {
                out.append(contentsOf: "\\u{\(String(u.value, radix: 16))}".unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    /// Controls and the invisible direction marks and overrides (Trojan Source).
    public static func isTerminalUnsafe(_ u: Unicode.Scalar) -> Bool {
        if isLineBreakOrControl(u) { return true }
        switch u.value {
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
