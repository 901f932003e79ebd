import Testing

@testable import KappaClient

extension KappaClientTests {
    /// The raw protocol client against in-process brokers with SASL and/or TLS, configured through the same
    /// librdkafka properties the dashboard passes on, and its refusals of what it cannot do securely.
    @Suite struct RawClientAuth {
        private func config(_ bootstrap: String, _ properties: [String: String]) -> ClientConfig {
            var config = ClientConfig(bootstrapServers: bootstrap)
            config.properties = properties
            return config
        }

        private func sasl(_ protocolName: String, _ mechanism: String, _ user: String, _ password: String)
            -> [String: String]
        {
            ["security.protocol": protocolName, "sasl.mechanisms": mechanism, "sasl.username": user, "sasl.password": password]
        }

        /// Metadata and ListTransactions after authenticating: both are refused before it.
        private func listsTransactions(_ config: ClientConfig) throws {
            let raw = try RawKafkaClient(config: config, timeoutMs: 5_000)
            defer { raw.close() }
            #expect(try raw.listTransactions().isEmpty)
        }

        private func failure(_ config: ClientConfig) throws -> KafkaClientError {
            let raw = try RawKafkaClient(config: config, timeoutMs: 5_000)
            defer { raw.close() }
            return try #require(throws: KafkaClientError.self) { try raw.listTransactions() }
        }

        @Test(.timeLimit(.minutes(1))) func scramSha256AndPlainRightAndWrongPasswords() async throws {
            try await RawKafkaSecureBroker.with(sasl: true) { broker in
                for (mechanism, user) in [("SCRAM-SHA-256", "bob"), ("PLAIN", "alice")] {
                    let password = try #require(RawKafkaSecureBroker.users[user])
                    try self.listsTransactions(self.config(broker.bootstrap, self.sasl("SASL_PLAINTEXT", mechanism, user, password)))
                    let wrong = "not-the-Password-42"
                    let error = try self.failure(self.config(broker.bootstrap, self.sasl("SASL_PLAINTEXT", mechanism, user, wrong)))
                    #expect(error.name == "SASL_AUTHENTICATION_FAILED")
                    #expect(error.message.contains("SASL \(mechanism) authentication as '\(user)'"))
                    #expect(error.message.contains("Authentication failed"))
                    #expect(!error.description.contains(wrong) && !error.description.contains(password))
                    #expect(!error.description.contains("\n"))
                }
                // sasl.mechanism is librdkafka's alias; an unknown user fails like a wrong password.
                var alias = self.sasl("SASL_PLAINTEXT", "SCRAM-SHA-256", "carol", "whatever")
                alias["sasl.mechanism"] = alias.removeValue(forKey: "sasl.mechanisms")
                #expect(try self.failure(self.config(broker.bootstrap, alias)).name == "SASL_AUTHENTICATION_FAILED")
                // The broker offers no SCRAM-SHA-512: the handshake says so and names what it offers.
                let sha512 = try self.failure(
                    self.config(broker.bootstrap, self.sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", "bob", "x")))
                #expect(sha512.name == "UNSUPPORTED_SASL_MECHANISM")
                #expect(sha512.message.contains("SCRAM-SHA-256"))
                // Without SASL the broker closes an unauthenticated Metadata request.
                #expect(try self.failure(ClientConfig(bootstrapServers: broker.bootstrap)).name == "_TRANSPORT")
            }
        }

        @Test(.timeLimit(.minutes(1))) func tlsTrustsTheConfiguredCAAndRefusesAnother() async throws {
            let certificate = try TestCertificate.make()
            let other = try TestCertificate.make()
            try await RawKafkaSecureBroker.with(sasl: false, certificate: certificate) { broker in
                let ssl = ["security.protocol": "SSL", "ssl.ca.location": certificate.certificate]
                try self.listsTransactions(self.config(broker.bootstrap, ssl))
                // The name checked is the one connected to: localhost is in the certificate too.
                try self.listsTransactions(self.config("localhost:\(broker.port)", ssl))

                let wrongCA = try self.failure(
                    self.config(broker.bootstrap, ["security.protocol": "SSL", "ssl.ca.location": other.certificate]))
                #expect(wrongCA.name == "_SSL")
                #expect(wrongCA.message.contains("not signed by a trusted CA"))
                // The system's roots do not know a self-signed certificate either.
                #expect(try self.failure(self.config(broker.bootstrap, ["security.protocol": "SSL"])).name == "_SSL")
                // Verification off, as asked for explicitly.
                try self.listsTransactions(self.config(
                    broker.bootstrap,
                    ["security.protocol": "SSL", "ssl.ca.location": other.certificate, "enable.ssl.certificate.verification": "false"]))
                // A plaintext client gets nothing usable from a TLS listener.
                let plaintext = try self.failure(ClientConfig(bootstrapServers: broker.bootstrap))
                #expect(plaintext.message.contains("answered in TLS"), "\(plaintext)")
            }
        }

        @Test(.timeLimit(.minutes(1))) func hostnameCheckFollowsEndpointIdentification() async throws {
            let certificate = try TestCertificate.make(names: "DNS:broker.example")
            try await RawKafkaSecureBroker.with(sasl: false, certificate: certificate) { broker in
                let ssl = ["security.protocol": "SSL", "ssl.ca.location": certificate.certificate]
                let mismatch = try self.failure(self.config(broker.bootstrap, ssl))
                #expect(mismatch.name == "_SSL")
                #expect(mismatch.message.contains("does not name that host"))
                var none = ssl
                none["ssl.endpoint.identification.algorithm"] = "none"
                try self.listsTransactions(self.config(broker.bootstrap, none))
            }
        }

        @Test(.timeLimit(.minutes(1))) func saslSslWithScram() async throws {
            let certificate = try TestCertificate.make()
            try await RawKafkaSecureBroker.with(sasl: true, certificate: certificate) { broker in
                var properties = self.sasl("SASL_SSL", "SCRAM-SHA-256", "bob", try #require(RawKafkaSecureBroker.users["bob"]))
                properties["ssl.ca.location"] = certificate.certificate
                try self.listsTransactions(self.config(broker.bootstrap, properties))
                properties["sasl.password"] = "nope"
                #expect(try self.failure(self.config(broker.bootstrap, properties)).name == "SASL_AUTHENTICATION_FAILED")
            }
        }

        @Test func refusesWhatItCannotDoSecurely() throws {
            func refusal(_ properties: [String: String]) throws -> KafkaClientError {
                try #require(throws: KafkaClientError.self) {
                    try RawKafkaClient(config: self.config("127.0.0.1:1", properties))
                }
            }
            // librdkafka's default mechanism is GSSAPI.
            let gssapi = try refusal(["security.protocol": "SASL_PLAINTEXT", "sasl.username": "u", "sasl.password": "p"])
            #expect(gssapi.name == "_NOT_IMPLEMENTED")
            #expect(gssapi.message.contains("the transaction commands speak") && gssapi.message.contains("GSSAPI"))
            let oauth = try refusal(["security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER"])
            #expect(oauth.name == "_NOT_IMPLEMENTED" && oauth.message.contains("OAUTHBEARER"))
            let clientCertificate = try refusal(["security.protocol": "SSL", "ssl.certificate.location": "/x.pem"])
            #expect(clientCertificate.name == "_NOT_IMPLEMENTED" && clientCertificate.message.contains("ssl.certificate.location"))
            #expect(try refusal(["security.protocol": "SASL_SSL", "ssl.key.location": "/k.pem",
                                 "sasl.mechanism": "PLAIN", "sasl.username": "u", "sasl.password": "p"]).name == "_NOT_IMPLEMENTED")
            #expect(try refusal(["security.protocol": "KERBEROS"]).name == "_NOT_IMPLEMENTED")
            let noUser = try refusal(["security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN"])
            #expect(noUser.name == "_INVALID_ARG" && noUser.message.contains("sasl.username"))
            #expect(try refusal(["security.protocol": "SSL", "ssl.ca.location": "/no/such/ca.pem"]).name == "_INVALID_ARG")
            #expect(try refusal(["security.protocol": "SSL", "ssl.endpoint.identification.algorithm": "dns"]).name == "_INVALID_ARG")
            // ssl.* settings mean nothing to a plaintext connection, as in librdkafka.
            _ = try RawKafkaClient(config: self.config("127.0.0.1:1", ["ssl.certificate.location": "/x.pem"]))
        }

        /// RFC 7677's example exchange, and the same for SHA-512 with values computed by Python's hashlib.
        @Test func scramClientMatchesReferenceVectors() throws {
            let serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
            let cases: [(ScramClient.Hash, String, String)] = [
                (.sha256, "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
                (
                    .sha512,
                    "gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC6wdp6dybEmDYXYTxwnYPJQ==",
                    "ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw=="
                ),
            ]
            for (hash, proof, signature) in cases {
                var client = ScramClient(hash: hash, username: "user", password: "pencil", nonce: "rOprNGfwEbeRWgbNEkqO")
                #expect(String(decoding: client.clientFirst, as: UTF8.self) == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
                let final = try client.clientFinal(serverFirst: Array(serverFirst.utf8))
                #expect(
                    String(decoding: final, as: UTF8.self)
                        == "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=\(proof)")
                try client.verify(serverFinal: Array("v=\(signature)".utf8))
                // A server that does not know the key cannot sign: the connection is refused.
                let forged = try #require(throws: ScramClientError.self) {
                    try client.verify(serverFinal: Array("v=A\(signature.dropFirst())".utf8))
                }
                #expect(forged.message.contains("signature is wrong"))
            }
            var client = ScramClient(hash: .sha256, username: "a,b=c", password: "p", nonce: "abc")
            #expect(String(decoding: client.clientFirst, as: UTF8.self) == "n,,n=a=2Cb=3Dc,r=abc")
            // The server's nonce must extend ours, or someone replays an old exchange.
            #expect(throws: ScramClientError.self) { try client.clientFinal(serverFirst: Array("r=xyz1,s=AAAA,i=4096".utf8)) }
            #expect(throws: ScramClientError.self) { try client.clientFinal(serverFirst: Array("r=abc1,s=AAAA,i=0".utf8)) }
        }
    }
}
