import CRdKafka

/// Kafka transactions on a producer created with a `transactional.id` property: librdkafka's
/// init/begin/commit/abort calls. Each blocks (commit flushes first), so call them on a worker queue,
/// one at a time; records sent between `beginTransaction` and the end belong to the transaction.
extension ProducerClient {
    /// Registers the transactional id with its coordinator (fencing an older producer with the same id)
    /// and aborts whatever that one left open. Once per producer, before the first `beginTransaction`.
    public func initTransactions(timeoutMs: Int32 = 30_000) throws {
        try self.transactionCall("cannot initialise transactions") { rd_kafka_init_transactions($0, timeoutMs) }
    }

    /// Local only: the coordinator learns of the transaction with its first record.
    public func beginTransaction() throws {
        try self.transactionCall("cannot begin a transaction") { rd_kafka_begin_transaction($0) }
    }

    /// Flushes the transaction's records, then commits it. When librdkafka says the transaction can
    /// only be aborted now, it is aborted here and the error says so.
    public func commitTransaction(timeoutMs: Int32 = 30_000) throws {
        try self.handle.withHandle { handle in
            guard let error = rd_kafka_commit_transaction(handle, timeoutMs) else { return }
            let requiresAbort = rd_kafka_error_txn_requires_abort(error) != 0
            var failure = KafkaClientError(consuming: error, doing: "cannot commit the transaction")
            if requiresAbort {
                if let abortError = rd_kafka_abort_transaction(handle, timeoutMs) {
                    let abort = KafkaClientError(consuming: abortError, doing: "nor abort it")
                    failure.message += "; " + abort.description
                } else {
                    failure.message += "; it was aborted"
                }
            }
            throw failure
        }
    }

    /// Drops the transaction's records: read_committed consumers never see them.
    public func abortTransaction(timeoutMs: Int32 = 30_000) throws {
        try self.transactionCall("cannot abort the transaction") { rd_kafka_abort_transaction($0, timeoutMs) }
    }

    private func transactionCall(_ what: String, _ call: (OpaquePointer) -> OpaquePointer?) throws {
        try self.handle.withHandle { handle in
            if let error = call(handle) { throw KafkaClientError(consuming: error, doing: what) }
        }
    }
}
