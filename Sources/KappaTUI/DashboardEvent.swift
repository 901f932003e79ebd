/// What the controller feeds back into `DashboardState.apply(_:)`.
public enum DashboardEvent: Sendable {
    /// A broker or client log line for Kafka-Term.
    case log(LogLine)
    /// Printed in Kafka-Term after the echoed command.
    case adminResult(command: String, lines: [String], isError: Bool)
    /// Shown on Producer-Term's send line: "→ sample-0 @ 3" or the error.
    case produced(id: Int, result: Result<PartitionOffset, ProduceFailure>)
    /// Appended to Consumer-Term (bounded).
    case consumed([ConsumedMessage])
    /// Refreshed about once a second for the selected topic.
    case offsets(OffsetsSnapshot)
    /// Known topics (for completion, the status summary and Browse).
    case topics([String])
    case browsePartitions(topic: String, partitions: [PartitionSummary])
    /// `endOffset` is the partition's end, so Browse knows whether more pages follow.
    case browsePage(topic: String, partition: Int32, records: [ConsumedMessage], endOffset: Int64)
    /// A transient message on the hint bar, cleared by the next key.
    case status(String)
    /// E.g. "broker 127.0.0.1:9092 · data ./kappa-data".
    case cluster(label: String)
    /// Known consumer groups (for the status summary).
    case groups([String])
    /// Producer-Term's transaction step finished; `error` says why it failed.
    case transactionDone(TransactionAction, error: String?)
    /// Consumer-Term's consumer (re)joined or failed; `nil` error means it is running.
    case consumerState(group: String, topic: String, error: String?)
}
