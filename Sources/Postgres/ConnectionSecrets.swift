import Foundation

/// The secrets a connection string carries, so that no error echoes them. libpq quotes the part
/// of a malformed URI it could not read (`invalid percent-encoded token: "s3cr%zz"`), which can be
/// the password; the message reaches stderr, logs and the daemon's `/healthz`.
enum ConnectionSecrets {
    /// What stands in for a secret in a message.
    static let mask = "***"

    /// The password of a URI (`postgresql://user:password@host/db`, as written and percent-decoded)
    /// or of a keyword/value string (`password=...`, quoted or not), and `PGPASSWORD`.
    static func passwords(in conninfo: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var out: [String] = []
        for scheme in ["postgresql://", "postgres://"] where conninfo.hasPrefix(scheme) {
            let rest = conninfo.dropFirst(scheme.count)
            // The user information ends at the last '@' (a raw '@' in a password is not legal, but
            // it must not leak either); the password follows the first ':' in it.
            guard let at = rest.lastIndex(of: "@") else { break }
            let userinfo = rest[..<at]
            guard let colon = userinfo.firstIndex(of: ":") else { break }
            let raw = String(userinfo[userinfo.index(after: colon)...])
            out.append(raw)
            if let decoded = raw.removingPercentEncoding { out.append(decoded) }
            // Up to the first '@' too, in case libpq split there.
            if let firstAt = rest.firstIndex(of: "@"), firstAt < at, firstAt > colon {
                out.append(String(rest[rest.index(after: colon)..<firstAt]))
            }
        }
        // Keyword/value form: password=secret or password='se cret' (\' and \\ escaped).
        var scanner = Substring(conninfo)
        while let range = scanner.range(of: "password", options: [.caseInsensitive]) {
            var rest = scanner[range.upperBound...].drop { $0 == " " || $0 == "\t" }
            scanner = scanner[range.upperBound...]
            guard rest.first == "=" else { continue }
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
            if rest.first == "'" {
                var value = "", escaped = false
                for c in rest.dropFirst() {
                    if escaped {
                        value.append(c)
                        escaped = false
                    } else if c == "\\" {
                        escaped = true
                    } else if c == "'" {
                        break
                    } else {
                        value.append(c)
                    }
                }
                out.append(value)
            } else {
                let token = String(rest.prefix { !$0.isWhitespace })
                out.append(token)
                // A URI query parameter (`?password=...&sslmode=...`) ends at '&'.
                if let amp = token.firstIndex(of: "&") {
                    let value = String(token[..<amp])
                    out.append(value)
                    if let decoded = value.removingPercentEncoding { out.append(decoded) }
                }
            }
        }
        if let env = environment["PGPASSWORD"] { out.append(env) }
        return Array(Set(out.filter { !$0.isEmpty })).sorted { $0.count > $1.count }
    }

    /// `message` with every password of `conninfo` masked (the longest first, so that a password
    /// containing a shorter one is masked whole).
    static func redact(_ message: String, conninfo: String) -> String {
        passwords(in: conninfo).reduce(message) { $0.replacingOccurrences(of: $1, with: mask) }
    }
}
