import KappaWire

extension Broker {
    /// Idempotent producers only: every call gets a fresh id with epoch 0, whatever id/epoch it
    /// carries (Kafka blindly accepts epoch bumps for non-transactional producers).
    func initProducerId(_ request: InitProducerIdRequest, version: Int16) -> BrokerReply {
        if request.transactionalId != nil {
            return self.reply(InitProducerIdResponse(
                errorCode: ErrorCode.transactionalIdAuthorizationFailed.rawValue, producerId: -1, producerEpoch: -1),
                version: version)
        }
        do {
            let id = try self.producerIds.next()
            self.logger.debug("producer id \(id) allocated")
            return self.reply(InitProducerIdResponse(errorCode: 0, producerId: id, producerEpoch: 0), version: version)
        } catch {
            self.logger.error("cannot allocate a producer id: \(error)")
            return self.reply(InitProducerIdResponse(
                errorCode: ErrorCode.kafkaStorageError.rawValue, producerId: -1, producerEpoch: -1), version: version)
        }
    }
}
