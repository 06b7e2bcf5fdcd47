import Foundation
import Testing

@testable import Postgres

/// Issue 29, finding 10: no connection error echoes the password, whatever libpq quotes.
struct ConnectionSecretsTests {
    @Test func passwordsOfEveryFormAreFound() {
        let none: [String: String] = [:]
        #expect(ConnectionSecrets.passwords(in: "postgresql://app:s3cr%zzet@db:5432/x", environment: none).contains("s3cr%zzet"))
        #expect(ConnectionSecrets.passwords(in: "postgresql://app:p%40ss@db/x", environment: none) == ["p%40ss", "p@ss"])
        #expect(ConnectionSecrets.passwords(in: "postgres://app:a@b@db/x", environment: none).contains("a@b"))
        #expect(ConnectionSecrets.passwords(in: "host=db user=app password='it''s \\'quoted\\'' dbname=x", environment: none).contains("it"))
        #expect(ConnectionSecrets.passwords(in: "host=db password = 'se cret\\'s' dbname=x", environment: none) == ["se cret's"])
        #expect(ConnectionSecrets.passwords(in: "host=db PASSWORD=hunter2 dbname=x", environment: none) == ["hunter2"])
        #expect(ConnectionSecrets.passwords(in: "postgresql://db/x?password=q%zzs&sslmode=require", environment: none).contains("q%zzs"))
        #expect(ConnectionSecrets.passwords(in: "postgresql://app@db/x", environment: ["PGPASSWORD": "fromenv"]) == ["fromenv"])
        #expect(ConnectionSecrets.passwords(in: "postgresql://app@db/x", environment: none).isEmpty)
    }

    /// A real libpq error for a malformed URI quotes the password; what `connect` throws does not.
    @Test func aMalformedURIDoesNotEchoItsPassword() {
        for uri in [
            "postgresql://app:s3cr%zzet@127.0.0.1:1/x", "postgresql://app:s3cret@127.0.0.1:notaport/x",
            "host=127.0.0.1 port=1 password=s3cret%zz connect_timeout=1 sslmode=bogus",
        ] {
            var message = ""
            do { _ = try Connection.connect(uri) } catch { message = "\(error) \(String(reflecting: error))" }
            #expect(!message.isEmpty)
            #expect(!message.contains("s3cr"), "\(message)")
            #expect(message.contains("***") || !message.contains("password"), "\(message)")
        }
    }
}
