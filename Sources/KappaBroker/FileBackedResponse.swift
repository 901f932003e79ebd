import KappaWire
import NIOCore

/// A response some of whose record bytes stay in log files: `body` holds everything else, and each
/// splice says where in it a file region's bytes belong. The connection writes the parts in order
/// (the regions with `sendfile`). Closes the regions' file handles when the last reference goes,
/// after the write completed or when the response is dropped unsent.
public final class FileBackedResponse: Sendable {
    public struct Splice: Sendable {
        /// Index into `body` (from its reader index) where the region's bytes go.
        public let index: Int
        public let region: FileRegion
    }

    public let body: ByteBuffer
    public let splices: [Splice]

    init(body: ByteBuffer, splices: [Splice]) {
        self.body = body
        self.splices = splices
    }

    /// Bytes on the wire: the body plus every region.
    public var byteCount: Int { self.splices.reduce(self.body.readableBytes) { $0 + $1.region.readableBytes } }

    deinit {
        for splice in self.splices { try? splice.region.fileHandle.close() }
    }
}

/// Writes records inline, except those of partitions read as file regions: for those only the
/// length goes into the buffer, and the region is spliced in where the bytes would have been.
struct SplicingRecordsWriter: KafkaRecordsWriter {
    /// One entry per `records` field of the message, in encoding order.
    let regions: [FileRegion?]
    private var next = 0
    private(set) var splices: [FileBackedResponse.Splice] = []

    init(regions: [FileRegion?]) {
        self.regions = regions
    }

    mutating func writeRecords(_ records: ByteBuffer?, to buffer: inout ByteBuffer, flexible: Bool) {
        defer { self.next += 1 }
        guard self.next < self.regions.count, let region = self.regions[self.next] else {
            buffer.writeKafkaRecords(records, flexible: flexible)
            return
        }
        buffer.writeKafkaArrayCount(region.readableBytes, flexible: flexible)
        self.splices.append(.init(index: buffer.writerIndex - buffer.readerIndex, region: region))
    }
}
