/// A step of Producer-Term's transaction (`:txn begin|commit|abort`), carried out by the controller's
/// transactional producer.
public enum TransactionAction: String, Equatable, Sendable {
    case begin
    case commit
    case abort
}
