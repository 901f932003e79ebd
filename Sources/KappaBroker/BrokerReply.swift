import NIOCore

/// What the connection should do with a request once the broker is done with it.
public enum BrokerReply: Sendable {
    /// Write this response body after the response header.
    case response(ByteBuffer)
    /// Write this response body, with record bytes spliced in from log files.
    case fileBacked(FileBackedResponse)
    /// Send nothing (Produce with acks=0): a response would carry a correlation id the client never waits for.
    case noResponse
    /// The request cannot be answered (unknown API or version); close the connection.
    case close(String)
}
