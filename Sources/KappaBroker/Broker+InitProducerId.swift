import KappaWire
import NIOCore

extension Broker {
    /// Without a transactional id: a fresh producer id with epoch 0, whatever id/epoch the request
    /// carries (Kafka blindly accepts epoch bumps for idempotent producers). With one: the
    /// transaction coordinator's answer (a new or bumped epoch, fencing what came before).
    func initProducerId(_ request: InitProducerIdRequest, version: Int16, eventLoop: any EventLoop) -> EventLoopFuture<BrokerReply> {
        guard let transactionalId = request.transactionalId else {
            do {
                let id = try self.producerIds.next()
                self.logger.debug("producer id \(id) allocated")
                return eventLoop.makeSucceededFuture(
                    self.reply(InitProducerIdResponse(errorCode: 0, producerId: id, producerEpoch: 0), version: version))
            } catch {
                self.logger.error("cannot allocate a producer id: \(error)")
                return eventLoop.makeSucceededFuture(self.reply(InitProducerIdResponse(
                    errorCode: ErrorCode.kafkaStorageError.rawValue, producerId: -1, producerEpoch: -1), version: version))
            }
        }
        let expected = version >= 3 && request.producerId >= 0 ? (request.producerId, request.producerEpoch) : nil
        return self.transactions.initProducerId(transactionalId: transactionalId, timeoutMs: request.transactionTimeoutMs,
                                                expected: expected, eventLoop: eventLoop).map { answer in
            // Clients before InitProducerId v4 do not know PRODUCER_FENCED (KafkaApis does the same).
            let error = answer.error == .producerFenced && version < 4 ? ErrorCode.invalidProducerEpoch : answer.error
            return self.reply(InitProducerIdResponse(errorCode: error.rawValue, producerId: answer.producerId,
                                                     producerEpoch: answer.epoch), version: version)
        }
    }
}
