import Foundation

/// A self-signed certificate and its key (PEM files in a fresh temporary directory).
struct TestCertificate {
    let certificate: String
    let key: String

    /// `names` go into subjectAltName, e.g. "IP:127.0.0.1,DNS:localhost".
    static func make(names: String = "IP:127.0.0.1,DNS:localhost") throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kappa-raw-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificate = TestCertificate(certificate: "\(directory)/cert.pem", key: "\(directory)/key.pem")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", certificate.key, "-out", certificate.certificate,
            "-days", "2", "-subj", "/CN=kappa-test", "-addext", "subjectAltName=\(names)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("openssl could not make a test certificate") }
        return certificate
    }
}
