import Foundation
import TOMLKit

/// The SASL users file (TOML): one `[users.NAME]` table per user with its SCRAM-SHA-256 credential in
/// base64. Passwords are never stored; `kappa users add` derives the credential and writes this file.
public struct UsersFile: Sendable, Equatable {
    public var users: [String: ScramCredential] = [:]

    public init(users: [String: ScramCredential] = [:]) {
        self.users = users
    }

    /// Reads `path`; a missing file is an error unless `missingIsEmpty` (the users command creates it).
    public static func load(path: String, missingIsEmpty: Bool = false) throws(UsersFileError) -> UsersFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            if missingIsEmpty, !FileManager.default.fileExists(atPath: path) { return UsersFile() }
            throw .unreadable("cannot read users file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadable("\(path) is not UTF-8") }
        return try Self.parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws(UsersFileError) -> UsersFile {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            throw .invalid("\(source): \(error)")
        }
        var file = UsersFile()
        guard let users = table["users"] else { return file }
        guard let users = users.table else { throw .invalid("\(source): 'users' must be a table of [users.NAME]") }
        for (name, value) in users {
            guard let entry = value.table,
                let salt = entry["salt"]?.string.flatMap({ Data(base64Encoded: $0) }),
                let iterations = entry["iterations"]?.int,
                let storedKey = entry["stored_key"]?.string.flatMap({ Data(base64Encoded: $0) }),
                let serverKey = entry["server_key"]?.string.flatMap({ Data(base64Encoded: $0) })
            else {
                throw .invalid("\(source): user '\(name)' needs salt, iterations, stored_key and server_key (base64)")
            }
            guard iterations >= ScramSha256.minIterations, !salt.isEmpty, storedKey.count == 32, serverKey.count == 32
            else {
                throw .invalid(
                    "\(source): user '\(name)' has an invalid credential"
                        + " (iterations >= \(ScramSha256.minIterations), 32-byte keys)"
                )
            }
            file.users[name] = ScramCredential(
                salt: Array(salt), iterations: iterations, storedKey: Array(storedKey), serverKey: Array(serverKey))
        }
        return file
    }

    /// The file's text, users sorted by name.
    public func serialized() -> String {
        let users = TOMLTable()
        for (name, credential) in self.users {
            users[name] = TOMLTable([
                "salt": Data(credential.salt).base64EncodedString(),
                "iterations": credential.iterations,
                "stored_key": Data(credential.storedKey).base64EncodedString(),
                "server_key": Data(credential.serverKey).base64EncodedString(),
            ])
        }
        let header =
            "# Kappa SASL users: SCRAM-SHA-256 credentials (salted keys, no passwords). Edit with `kappa users`.\n"
        return header + TOMLTable(["users": users]).convert() + "\n"
    }

    /// Replaces the file atomically, readable by its owner only.
    public func write(to path: String) throws(UsersFileError) {
        do {
            try AtomicFile.write(Data(self.serialized().utf8), to: path)
        } catch {
            throw .unwritable("cannot write users file \(path): \(error)")
        }
        chmod(path, 0o600)
    }

    /// A user name the file and both mechanisms can carry: 1 to 255 bytes, no control characters.
    public static func validationError(username: String) -> String? {
        if username.isEmpty { return "user name is empty" }
        if username.utf8.count > 255 { return "user name is longer than 255 bytes" }
        if username.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "user name contains a control character"
        }
        return nil
    }
}

/// Why the users file could not be used.
public enum UsersFileError: Error, CustomStringConvertible {
    case unreadable(String)
    case invalid(String)
    case unwritable(String)

    public var description: String {
        switch self {
        case .unreadable(let why), .invalid(let why), .unwritable(let why): return why
        }
    }
}
