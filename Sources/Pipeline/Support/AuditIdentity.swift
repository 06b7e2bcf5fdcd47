import Foundation

/// Who is acting, as recorded beside the database role in audit rows (output pins, stage changes,
/// model versions, evaluation passes): the OS user of the process.
enum AuditIdentity {
    static var osUser: String { ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName }
}
