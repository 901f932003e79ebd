import DequeModule

/// Producer-Term: the send prompt, its settings and the recent sends with their delivery reports.
public struct ProducerTermState: Equatable, Sendable {
    public static let lineLimit = 1000

    public internal(set) var lines: Deque<ProducerLine> = []
    public internal(set) var prompt = LineEditor()
    /// Default json, so Consumer-Term and get.py read the records like put.py's.
    public internal(set) var serializer: Serializer = .json
    /// Splits `key:value`; `nil` sends every line as a value with a null key.
    public internal(set) var separator: String? = ":"
    /// `nil` lets the partitioner choose from the key.
    public internal(set) var partition: Int32?
    public internal(set) var headers: [HeaderPair] = []
    public internal(set) var scrollBack = 0
    /// Lines sent in the open transaction (`:txn begin`); `nil` while none is open.
    public internal(set) var transactionLines: Int?
    var nextID = 1

    public init() {}

    mutating func append(_ line: ProducerLine) {
        self.lines.append(line)
        if self.lines.count > Self.lineLimit { self.lines.removeFirst() }
        if self.scrollBack > 0 { self.scrollBack = min(self.scrollBack + 1, max(0, self.lines.count - 1)) }
    }

    mutating func note(_ text: String, isError: Bool = false) {
        self.append(ProducerLine(kind: isError ? .error : .note, text: text))
    }

    mutating func scroll(by delta: Int) {
        self.scrollBack = max(0, min(self.scrollBack + delta, max(0, self.lines.count - 1)))
    }

    /// Records a delivery report on the send line it belongs to (searching from the newest).
    mutating func deliver(id: Int, result: Result<PartitionOffset, ProduceFailure>) {
        guard
            let index = self.lines.lastIndex(where: {
                if case .send(let sendID, _) = $0.kind { return sendID == id }
                return false
            })
        else { return }
        switch result {
        case .success(let landed): self.lines[index].kind = .send(id: id, status: .delivered(landed))
        case .failure(let failure): self.lines[index].kind = .send(id: id, status: .failed(failure.message))
        }
    }

    /// Splits a typed line into key and value text at the first separator.
    func split(_ line: String) -> (key: String?, value: String) {
        guard let separator, !separator.isEmpty, let range = line.range(of: separator) else { return (nil, line) }
        return (String(line[..<range.lowerBound]), String(line[range.upperBound...]))
    }

    /// The controller's answer to a `:txn` step. A failed begin closes the transaction here too (its
    /// lines then fail on their own); a failed commit was aborted by the controller.
    mutating func transactionDone(_ action: TransactionAction, error: String?) {
        switch (action, error) {
        case (.begin, nil):
            break
        case (.begin, let error?):
            self.transactionLines = nil
            self.note("✗ " + error, isError: true)
        case (.commit, nil):
            self.note("transaction committed")
        case (.abort, nil):
            self.note("transaction aborted: read_committed consumers skip its lines")
        case (_, let error?):
            self.note("✗ " + error, isError: true)
        }
    }
}
