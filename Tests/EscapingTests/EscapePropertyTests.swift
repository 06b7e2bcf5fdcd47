import Escaping
import Foundation
import PropertyBased
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Issue 29, finding 3: every encoder, fed random hostile Unicode, writes nothing its output
/// language would read as structure, and its output decodes back to the input (less what the
/// language cannot carry, replaced visibly).
struct EscapePropertyTests {
    @Test func htmlTextAndAttributesCarryNoMarkup() async {
        await propertyCheck(count: HostileText.cases, input: HostileText.gen) { s in
            for (encoded, attribute) in [(Escape.htmlText(s), false), (Escape.htmlAttribute(s), true)] {
                let scalars = encoded.unicodeScalars
                #expect(!scalars.contains { "<>\"'".unicodeScalars.contains($0) }, "\(encoded.debugDescription)")
                if attribute { #expect(!scalars.contains { $0 == "`" || $0 == "=" || $0 == "\n" || $0 == "\t" }) }
                #expect(scalars.allSatisfy(Escape.isMarkupSafe) && !scalars.contains("\r"))
                #expect(Decode.markup(encoded) == Decode.markupSanitised(s), "\(s.debugDescription)")
            }
        }
    }

    /// SVG is XML: libxml2 must parse the escaped value as an attribute and as text, and give back
    /// exactly the (sanitised) input.
    @Test func svgParsesBackThroughAnXMLParser() async {
        await propertyCheck(count: HostileText.cases, input: HostileText.gen) { s in
            let e = Escape.svg(s)
            let probe = XMLProbe.parse("<t a=\"\(e)\">\(e)</t>")
            #expect(!probe.failed, "\(s.debugDescription)")
            #expect(probe.attribute == Decode.markupSanitised(s), "\(s.debugDescription)")
            #expect(probe.text == Decode.markupSanitised(s), "\(s.debugDescription)")
        }
    }

    @Test func markdownCannotStartStructure() async {
        await propertyCheck(count: HostileText.cases, input: HostileText.gen) { s in
            let e = Escape.markdown(s)
            let scalars = Array(e.unicodeScalars)
            #expect(!scalars.contains(where: Escape.isLineBreakOrControl), "\(e.debugDescription)")
            // Every ASCII punctuation scalar is escaped by the backslash before it.
            var escaped = false
            for u in scalars {
                if escaped {
                    escaped = false
                    continue
                }
                if u == "\\" {
                    escaped = true
                    continue
                }
                #expect(!Escape.isMarkdownPunctuation(u), "\(e.debugDescription)")
            }
            #expect(!escaped)
            let expected = String(String.UnicodeScalarView(s.unicodeScalars.map { Escape.isLineBreakOrControl($0) ? " " : $0 }))
            #expect(Decode.markdown(e) == expected)
        }
    }

    @Test func postgresArraysKeepEveryElement() async {
        await propertyCheck(count: HostileText.cases, input: HostileText.gen.array(of: 0...5)) { elements in
            let literal = Escape.postgresArray(elements)
            #expect(!literal.unicodeScalars.contains("\0"))
            let expected = elements.map { String(String.UnicodeScalarView($0.unicodeScalars.map { $0 == "\0" ? Escape.replacement : $0 })) }
            #expect(Decode.postgresArray(literal) == expected, "\(literal.debugDescription)")
        }
    }

    @Test func jsonDecodesBackAndIsSafeInAScriptBlock() async throws {
        await propertyCheck(count: HostileText.cases, input: HostileText.gen) { s in
            let e = Escape.json(s)
            #expect(!e.unicodeScalars.contains { $0 == "<" || $0 == ">" || $0 == "&" || $0.value < 0x20 || $0 == "\u{2028}" || $0 == "\u{2029}" })
            let decoded = try? JSONSerialization.jsonObject(with: Data("[\(e)]".utf8)) as? [String]
            #expect(decoded == [s], "\(e.debugDescription)")
        }
    }

    @Test func terminalTextHasNoControlsAndReadsBack() async {
        await propertyCheck(count: HostileText.cases, input: HostileText.gen) { s in
            let e = Escape.terminal(s)
            #expect(!e.unicodeScalars.contains(where: Escape.isTerminalUnsafe), "\(e.debugDescription)")
            #expect(Decode.terminal(e) == s, "\(s.debugDescription)")
        }
    }

    /// CSV (issue 31, item 1): every field reads back as one field, the value itself but for NUL
    /// and the `'` that keeps a spreadsheet from reading text as a formula; nothing a spreadsheet
    /// runs is left at the start of a field.
    @Test func csvFieldsReadBackAndStartNoFormula() async {
        await propertyCheck(count: HostileText.cases, input: HostileText.gen.array(of: 1...3)) { values in
            let line = values.map { Escape.csvField($0) }.joined(separator: ",")
            guard let back = Decode.csvRecord(line) else {
                Issue.record("not one record: \(line.debugDescription)")
                return
            }
            #expect(back.count == values.count, "\(line.debugDescription)")
            for (value, field) in zip(values, back) {
                let clean = String(String.UnicodeScalarView(value.unicodeScalars.map { $0 == "\0" ? Escape.replacement : $0 }))
                #expect(field == clean || field == "'" + clean, "\(value.debugDescription) -> \(field.debugDescription)")
                if let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
                    #expect(Double(field)?.isFinite == true, "\(field.debugDescription) starts a formula")
                }
            }
        }
        #expect(Escape.csvField("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(Escape.csvField("-12.5") == "-12.5" && Escape.csvField("-inf") == "'-inf" && Escape.csvField("@SUM(A1)") == "'@SUM(A1)")
        #expect(Escape.csvField(" padded") == "\" padded\"" && Escape.csvField("a\u{0}b") == "a\u{FFFD}b")
    }

    /// The cases the probe found, as fixed examples.
    @Test func theReportedCases() {
        let quoteMark = "\"\u{301} onload=alert(1) x=\"\u{301}"
        #expect(Array(quoteMark).first != "\"")  // one Character, not equal to a quote: why Characters fail
        #expect(!Escape.htmlAttribute(quoteMark).unicodeScalars.contains("\""))
        #expect(Escape.postgresArray(["a\"\u{301}b"]) == "{\"a\\\"\u{301}b\"}")
        #expect(Escape.markdown("x\n# owned <b>|") == "x \\# owned \\<b\\>\\|")
        #expect(Escape.terminal("a\u{1B}[2Jb\u{202E}") == "a\\u{1b}[2Jb\\u{202e}")
    }
}
