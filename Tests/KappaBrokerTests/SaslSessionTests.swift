import Foundation
import Testing

@testable import KappaBroker

/// PLAIN parsing, the per-connection SASL state machine and the users file.
@Suite struct SaslSessionTests {
    static let users = UsersFile(users: ["alice": ScramCredential(password: "s3cret")])

    private func plain(_ authzid: String, _ user: String, _ password: String) -> [UInt8] {
        Array(authzid.utf8) + [0] + Array(user.utf8) + [0] + Array(password.utf8)
    }

    @Test func plainTokenParses() throws {
        let token = try PlainToken(parsing: self.plain("", "alice", "pa ss\u{e9}"))
        #expect(token.authorizationId == "")
        #expect(token.username == "alice")
        #expect(token.password == "pa ss\u{e9}")
        #expect(try PlainToken(parsing: self.plain("alice", "alice", "x")).authorizationId == "alice")
    }

    @Test func malformedPlainTokensAreRefusedWithoutQuotingThem() {
        let cases: [[UInt8]] = [
            Array("alice".utf8), Array("\0alice".utf8), self.plain("", "", "pw"), self.plain("", "alice", ""),
            self.plain("", "alice", "pw") + [0, 65], [0, 0xFF, 0, 65],
            self.plain("", String(repeating: "u", count: 256), "pw"),
        ]
        for bytes in cases {
            #expect(throws: PlainTokenError.self) { try PlainToken(parsing: bytes) }
        }
        do {
            _ = try PlainToken(parsing: self.plain("", "", "hunter2"))
            Issue.record("an empty user name must be refused")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func plainRightPasswordAuthenticates() {
        var session = SaslAuthenticator(users: Self.users).makeSession()
        #expect(session.handshake(mechanism: "PLAIN", version: 1) == nil)
        #expect(!session.expectsBareTokens)
        #expect(session.authenticate(self.plain("", "alice", "s3cret")) == .authenticated(user: "alice", response: []))
        #expect(session.isAuthenticated)
    }

    @Test func plainWrongPasswordOrUnknownUserFails() {
        for (user, password, reason) in [("alice", "wrong", "wrong password"), ("bob", "s3cret", "unknown user")] {
            var session = SaslAuthenticator(users: Self.users).makeSession()
            _ = session.handshake(mechanism: "PLAIN", version: 1)
            let outcome = session.authenticate(self.plain("", user, password))
            #expect(
                outcome
                    == .failed(
                        user: user, message: "Authentication failed: Invalid username or password", reason: reason))
            #expect(!session.isAuthenticated)
            // A failed session stays failed: a second try on the same connection is refused.
            guard case .failed = session.authenticate(self.plain("", "alice", "s3cret")) else {
                Issue.record("a retry after a failure must fail")
                continue
            }
        }
    }

    @Test func plainAuthorizationIdMustBeTheUser() {
        var session = SaslAuthenticator(users: Self.users).makeSession()
        _ = session.handshake(mechanism: "PLAIN", version: 1)
        guard case .failed(_, _, let reason) = session.authenticate(self.plain("root", "alice", "s3cret")) else {
            Issue.record("another authorization id must fail")
            return
        }
        #expect(reason == "authorization id differs from the user name")
    }

    @Test func handshakeRefusesDisabledOrUnknownMechanismsAndRepeats() {
        let plainOnly = SaslAuthenticator(users: Self.users, mechanisms: [.plain])
        var session = plainOnly.makeSession()
        #expect(session.enabledMechanisms == ["PLAIN"])
        #expect(session.handshake(mechanism: "SCRAM-SHA-256", version: 1) == .unsupportedSaslMechanism)
        var unknown = plainOnly.makeSession()
        #expect(unknown.handshake(mechanism: "GSSAPI", version: 1) == .unsupportedSaslMechanism)
        var twice = plainOnly.makeSession()
        #expect(twice.handshake(mechanism: "PLAIN", version: 1) == nil)
        #expect(twice.handshake(mechanism: "PLAIN", version: 1) == .illegalSaslState)
    }

    @Test func handshakeV0ExpectsBareTokens() {
        var session = SaslAuthenticator(users: Self.users).makeSession()
        #expect(session.handshake(mechanism: "PLAIN", version: 0) == nil)
        #expect(session.expectsBareTokens)
        _ = session.authenticate(self.plain("", "alice", "s3cret"))
        #expect(!session.expectsBareTokens)
        #expect(session.isAuthenticated)
    }

    @Test func scramThroughTheSession() {
        var session = SaslAuthenticator(users: Self.users).makeSession()
        #expect(session.handshake(mechanism: "SCRAM-SHA-256", version: 1) == nil)
        let clientFirstBare = "n=alice,r=clientnonce"
        guard case .challenge(let challenge) = session.authenticate(Array("n,,\(clientFirstBare)".utf8)) else {
            Issue.record("expected server-first")
            return
        }
        let serverFirst = String(decoding: challenge, as: UTF8.self)
        let fields = Dictionary(
            serverFirst.split(separator: ",").map { (String($0.prefix(1)), String($0.dropFirst(2))) },
            uniquingKeysWith: { a, _ in a })
        let salt = Array(Data(base64Encoded: fields["s"] ?? "") ?? Data())
        let nonce = fields["r"] ?? ""
        #expect(nonce.hasPrefix("clientnonce") && nonce.count > "clientnonce".count)
        #expect(salt == Self.users.users["alice"]?.salt)
        let withoutProof = "c=biws,r=\(nonce)"
        let proof = ScramTestClient.proof(
            password: "s3cret", salt: salt, iterations: Int(fields["i"] ?? "") ?? 0,
            authMessage: "\(clientFirstBare),\(serverFirst),\(withoutProof)")
        guard case .authenticated(let user, let final) = session.authenticate(Array("\(withoutProof),p=\(proof)".utf8))
        else {
            Issue.record("expected success")
            return
        }
        #expect(user == "alice")
        #expect(String(decoding: final, as: UTF8.self).hasPrefix("v="))
    }

    @Test func authenticateBeforeHandshakeFails() {
        var session = SaslAuthenticator(users: Self.users).makeSession()
        guard case .failed = session.authenticate(self.plain("", "alice", "s3cret")) else {
            Issue.record("SaslAuthenticate before SaslHandshake must fail")
            return
        }
    }

    @Test func usersFileRoundTripsAndHoldsNoPassword() throws {
        let text = Self.users.serialized()
        #expect(!text.contains("s3cret"))
        #expect(text.contains("[users.alice]"))
        #expect(try UsersFile.parse(text, source: "t") == Self.users)
        let odd = UsersFile(users: ["o'dd \"name\" ä": ScramCredential(password: "x")])
        #expect(try UsersFile.parse(odd.serialized(), source: "t") == odd)
    }

    @Test func usersFileRejectsWeakOrIncompleteEntries() throws {
        #expect(throws: UsersFileError.self) {
            try UsersFile.parse("[users.a]\nsalt = \"AAAA\"\niterations = 4096\n", source: "t")
        }
        let key = Data(count: 32).base64EncodedString()
        let weak = "[users.a]\nsalt = \"AAAA\"\niterations = 1\nstored_key = \"\(key)\"\nserver_key = \"\(key)\"\n"
        #expect(throws: UsersFileError.self) { try UsersFile.parse(weak, source: "t") }
        #expect(throws: UsersFileError.self) { try UsersFile.parse("users = 3\n", source: "t") }
        #expect(try UsersFile.parse("", source: "t").users.isEmpty)
    }

    @Test func userNamesAreChecked() {
        #expect(UsersFile.validationError(username: "alice") == nil)
        #expect(UsersFile.validationError(username: "") != nil)
        #expect(UsersFile.validationError(username: "a\nb") != nil)
        #expect(UsersFile.validationError(username: String(repeating: "x", count: 256)) != nil)
    }

    @Test func mechanismListsParse() throws {
        #expect(try SaslMechanism.parseList("plain, SCRAM-SHA-256").get() == [.plain, .scramSha256])
        #expect(try SaslMechanism.parseList("PLAIN,PLAIN").get() == [.plain])
        #expect(throws: SaslMechanismError.self) { try SaslMechanism.parseList("PLAIN,GSSAPI").get() }
        #expect(throws: SaslMechanismError.self) { try SaslMechanism.parseList(" , ").get() }
    }
}
