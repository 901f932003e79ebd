import Glibc
import CRdKafka
import KappaWire
import NIOCore

/// One blocking TCP connection speaking the Kafka protocol: a request goes out as int32 size + request
/// header (v1, or v2 for flexible versions) + body, and the answer with the same correlation id comes back.
/// Plaintext only. Not thread-safe: one caller at a time (`RawKafkaClient` owns it).
final class KafkaConnection {
    let host: String
    let port: Int
    private var fd: Int32
    private var correlationId: Int32 = 0
    private let clientId: String
    /// The broker's version range per API key, from ApiVersions at connect.
    private(set) var versions: [Int16: ClosedRange<Int16>] = [:]

    init(host: String, port: Int, clientId: String, timeoutMs: Int) throws {
        self.host = host
        self.port = port
        self.clientId = clientId
        self.fd = try Self.connect(host: host, port: port, timeoutMs: timeoutMs)
        do {
            // v0: every broker answers it, and the response header is v0 whatever the version.
            let answer = try self.send(ApiVersionsRequest(), as: ApiVersionsResponse.self, apiKey: 18, version: 0)
            guard answer.errorCode == 0 else { throw KafkaClientError(code: Int32(answer.errorCode), message: "ApiVersions failed") }
            for api in answer.apiKeys where api.minVersion <= api.maxVersion {
                self.versions[api.apiKey] = api.minVersion...api.maxVersion
            }
        } catch {
            self.close()
            throw error
        }
    }

    deinit { self.close() }

    func close() {
        if self.fd >= 0 {
            _ = Glibc.close(self.fd)
            self.fd = -1
        }
    }

    /// The highest version both sides speak of API `apiKey`, or an error naming the API.
    func version(apiKey: Int16, ours: ClosedRange<Int16>, name: String) throws -> Int16 {
        guard let theirs = self.versions[apiKey], theirs.overlaps(ours) else {
            throw KafkaClientError(
                RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION, "the broker at \(self.host):\(self.port) does not support \(name) (API \(apiKey))")
        }
        return min(theirs.upperBound, ours.upperBound)
    }

    /// Sends `request` and reads its response at `version`.
    func send<Response: KafkaMessage>(
        _ request: some KafkaMessage, as: Response.Type, apiKey: Int16, version: Int16
    ) throws -> Response {
        self.correlationId &+= 1
        let id = self.correlationId
        var body = ByteBuffer()
        body.writeInteger(Int32(0))  // size, patched below
        RequestHeader(apiKey: apiKey, apiVersion: version, correlationId: id, clientId: self.clientId).write(to: &body)
        request.write(to: &body, version: version)
        body.setInteger(Int32(body.readableBytes - 4), at: 0)
        try self.write(body.readableBytesView)
        let sizeBytes = try self.read(4)
        var sizeBuffer = ByteBuffer(bytes: sizeBytes)
        let size = Int(try sizeBuffer.readKafkaInt(Int32.self))
        guard size >= 4, size <= 256 << 20 else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, "bad response size \(size) from \(self.host):\(self.port)")
        }
        var response = ByteBuffer(bytes: try self.read(size))
        let header = try ResponseHeader(
            from: &response, headerVersion: ResponseHeader.headerVersion(apiKey: apiKey, apiVersion: version))
        guard header.correlationId == id else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, "response \(header.correlationId) does not answer request \(id)")
        }
        return try Response(from: &response, version: version)
    }

    private func write(_ bytes: ByteBufferView) throws {
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(self.fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw KafkaClientError(RD_KAFKA_RESP_ERR__TRANSPORT, "cannot send to \(self.host):\(self.port): \(Self.errnoText())") }
                offset += n
            }
        }
    }

    private func read(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        try bytes.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            while offset < count {
                let n = recv(self.fd, base + offset, count - offset, 0)
                if n < 0 && errno == EINTR { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    throw KafkaClientError(RD_KAFKA_RESP_ERR__TIMED_OUT, "no answer from \(self.host):\(self.port) in time")
                }
                guard n > 0 else {
                    throw KafkaClientError(RD_KAFKA_RESP_ERR__TRANSPORT, "\(self.host):\(self.port) closed the connection")
                }
                offset += n
            }
        }
        return bytes
    }

    /// Resolves `host` and connects to the first address that answers, with send/receive timeouts.
    private static func connect(host: String, port: Int, timeoutMs: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__RESOLVE, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var lastError = "no address"
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            var timeout = timeval(tv_sec: timeoutMs / 1000, tv_usec: (timeoutMs % 1000) * 1000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
            lastError = Self.errnoText()
            _ = Glibc.close(fd)
        }
        throw KafkaClientError(RD_KAFKA_RESP_ERR__TRANSPORT, "cannot connect to \(host):\(port): \(lastError)")
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
