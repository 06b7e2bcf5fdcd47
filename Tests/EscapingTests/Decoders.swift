import Escaping
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Independent decoders for what the encoders write, so that each property can read the output
/// back and compare it with the input.
enum Decode {
    /// HTML/XML character references the encoders use (named and decimal).
    static func markup(_ s: String) -> String? {
        var out = String.UnicodeScalarView()
        let scalars = Array(s.unicodeScalars)
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "&" else {
                out.append(scalars[i])
                i += 1
                continue
            }
            guard let end = scalars[i...].firstIndex(of: ";") else { return nil }
            let name = String(String.UnicodeScalarView(scalars[(i + 1)..<end]))
            switch name {
            case "amp": out.append("&")
            case "lt": out.append("<")
            case "gt": out.append(">")
            case "quot": out.append("\"")
            default:
                guard name.hasPrefix("#"), let v = UInt32(name.dropFirst()), let u = Unicode.Scalar(v) else { return nil }
                out.append(u)
            }
            i = end + 1
        }
        return String(out)
    }

    /// Markdown backslash escapes.
    static func markdown(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var escaped = false
        for u in s.unicodeScalars {
            if !escaped && u == "\\" {
                escaped = true
                continue
            }
            escaped = false
            out.append(u)
        }
        return String(out)
    }

    /// A PostgreSQL array literal of quoted elements, as `array_in` reads it.
    static func postgresArray(_ s: String) -> [String]? {
        let scalars = Array(s.unicodeScalars)
        guard scalars.first == "{", scalars.last == "}" else { return nil }
        var out: [String] = []
        var i = 1
        if scalars.count == 2 { return [] }
        while i < scalars.count - 1 {
            guard scalars[i] == "\"" else { return nil }
            i += 1
            var element = String.UnicodeScalarView()
            while true {
                guard i < scalars.count - 1 else { return nil }
                let u = scalars[i]
                if u == "\\" {
                    element.append(scalars[i + 1])
                    i += 2
                    continue
                }
                if u == "\"" {
                    i += 1
                    break
                }
                element.append(u)
                i += 1
            }
            out.append(String(element))
            if scalars[i] == "," { i += 1 } else if i != scalars.count - 1 { return nil }
        }
        return out
    }

    /// `\\` and `\u{hex}`.
    static func terminal(_ s: String) -> String? {
        var out = String.UnicodeScalarView()
        let scalars = Array(s.unicodeScalars)
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "\\" else {
                out.append(scalars[i])
                i += 1
                continue
            }
            guard i + 1 < scalars.count else { return nil }
            if scalars[i + 1] == "\\" {
                out.append("\\")
                i += 2
                continue
            }
            guard scalars[i + 1] == "u", i + 2 < scalars.count, scalars[i + 2] == "{",
                let close = scalars[(i + 3)...].firstIndex(of: "}"),
                let v = UInt32(String(String.UnicodeScalarView(scalars[(i + 3)..<close])), radix: 16),
                let u = Unicode.Scalar(v)
            else { return nil }
            out.append(u)
            i = close + 1
        }
        return String(out)
    }

    /// What the markup encoders keep of `s`: unsafe scalars become U+FFFD.
    /// One CSV record (RFC 4180) read back into its fields; nil if it is not well formed.
    static func csvRecord(_ line: String) -> [String]? {
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var scalars = line.unicodeScalars.makeIterator()
        var quoted = false, wasQuoted = false
        while let u = scalars.next() {
            if quoted {
                if u == "\"" {
                    guard let next = scalars.next() else {
                        quoted = false
                        break
                    }
                    if next == "\"" {
                        field.append(u)
                        continue
                    }
                    quoted = false
                    guard next == "," else { return nil }
                    fields.append(String(field))
                    field = .init()
                    wasQuoted = false
                } else {
                    field.append(u)
                }
            } else if u == "\"" {
                guard field.isEmpty, !wasQuoted else { return nil }
                quoted = true
                wasQuoted = true
            } else if u == "," {
                fields.append(String(field))
                field = .init()
                wasQuoted = false
            } else {
                guard !wasQuoted, u != "\n", u != "\r" else { return nil }
                field.append(u)
            }
        }
        guard !quoted else { return nil }
        fields.append(String(field))
        return fields
    }

    static func markupSanitised(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { Escape.isMarkupSafe($0) ? $0 : Escape.replacement }))
    }
}

/// An XML parse of one element with an attribute and text, through libxml2 (FoundationXML).
final class XMLProbe: NSObject, XMLParserDelegate {
    var attribute: String?
    var text = ""
    var failed = false

    static func parse(_ document: String) -> XMLProbe {
        let probe = XMLProbe()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = probe
        if !parser.parse() { probe.failed = true }
        return probe
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if elementName == "t" { attribute = attributes["a"] }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { failed = true }
}
