import KappaWire

extension Broker {
    func apiVersions(_ request: ApiVersionsRequest, version: Int16, connection: ClientConnection) -> BrokerReply {
        if version >= 3, !request.clientSoftwareName.isEmpty {
            connection.noteSoftware(name: request.clientSoftwareName, version: request.clientSoftwareVersion)
        }
        self.logger.info("client connected: \(connection)")
        let keys = SupportedApis.ranges.sorted { $0.key.rawValue < $1.key.rawValue }.map { api, range in
            ApiVersionsResponse.ApiVersion(apiKey: api.rawValue, minVersion: range.lowerBound, maxVersion: range.upperBound)
        }
        // Feature fields are tagged and left absent: librdkafka < 2.2 mis-skips tagged fields.
        return self.reply(ApiVersionsResponse(errorCode: 0, apiKeys: keys, throttleTimeMs: 0), version: version)
    }

    /// A client asked for an ApiVersions version above ours: answer in the v0 body format (KIP-511)
    /// with UNSUPPORTED_VERSION and our ApiVersions range, so it retries with one we speak.
    func unsupportedApiVersions() -> BrokerReply {
        let range = SupportedApis.ranges[.apiVersions] ?? 0...0
        let response = ApiVersionsResponse(
            errorCode: ErrorCode.unsupportedVersion.rawValue,
            apiKeys: [.init(apiKey: ApiKey.apiVersions.rawValue, minVersion: range.lowerBound, maxVersion: range.upperBound)])
        return self.reply(response, version: 0)
    }
}
