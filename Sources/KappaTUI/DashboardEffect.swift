/// What the controller must do after a key press; the reducer itself never does I/O.
public enum DashboardEffect: Equatable, Sendable {
    /// Run it against the cluster, answer with `.adminResult`.
    case admin(AdminCommand)
    /// Send it, answer with `.produced`.
    case produce(ProduceCommand)
    /// (Re)start Consumer-Term's group consumer on this group and topic, reading at this isolation level.
    case subscribeConsumer(group: String, topic: String, isolation: IsolationLevel)
    /// Begin, commit or abort Producer-Term's transaction; answer with `.transactionDone`. Sends with
    /// `ProduceCommand.transactional` between a begin and its end go into the transaction.
    case transaction(TransactionAction)
    /// `true` pauses Consumer-Term's consumer, `false` resumes it.
    case pauseConsumer(Bool)
    /// The Offsets pane and Producer-Term now use this topic.
    case selectTopic(String)
    /// Load a page, answer with `.topics`, `.browsePartitions` or `.browsePage`.
    case browse(BrowseQuery)
    case quit
}
