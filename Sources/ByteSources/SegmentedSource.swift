import ByteKit

/// One address space made of runs of other sources, end to end: the segments of a dataset
/// stored in external files, read as if they were one contiguous run.
public struct SegmentedSource: ByteSource {
    /// `length` bytes of `source` from `offset`.
    public struct Segment: Sendable {
        public let source: any ByteSource
        public let offset: UInt64
        public let length: UInt64

        public init(source: any ByteSource, offset: UInt64, length: UInt64) {
            self.source = source
            self.offset = offset
            self.length = length
        }
    }

    public let name: String
    public let segments: [Segment]
    public let size: UInt64
    /// Where each segment starts in this source.
    private let starts: [UInt64]

    public init(name: String, segments: [Segment]) throws {
        var starts: [UInt64] = []
        var total: UInt64 = 0
        for segment in segments {
            guard let end = ByteRange(offset: segment.offset, length: segment.length).end, end <= segment.source.size
            else {
                throw ByteSourceError.outOfBounds(
                    name: segment.source.name, range: ByteRange(offset: segment.offset, length: segment.length),
                    size: segment.source.size)
            }
            starts.append(total)
            let (sum, overflow) = total.addingReportingOverflow(segment.length)
            guard !overflow else {
                throw ByteSourceError.outOfBounds(name: name, range: ByteRange(offset: total, length: segment.length), size: total)
            }
            total = sum
        }
        self.name = name
        self.segments = segments
        self.starts = starts
        size = total
    }

    public func read(_ ranges: [ByteRange]) async throws -> [Bytes] {
        var results: [Bytes] = []
        for range in ranges {
            guard let end = range.end, end <= size, range.length <= UInt64(Int.max) else {
                throw ByteSourceError.outOfBounds(name: name, range: range, size: size)
            }
            // The pieces of the range in each segment it crosses.
            var pieces: [Bytes] = []
            for (index, segment) in segments.enumerated() {
                let start = starts[index]
                let segmentEnd = start + segment.length
                guard start < end, segmentEnd > range.offset else { continue }
                let from = max(range.offset, start)
                let to = min(end, segmentEnd)
                pieces += try await segment.source.read(
                    [ByteRange(offset: segment.offset + (from - start), length: to - from)])
            }
            results.append(Bytes.joined(pieces))
        }
        return results
    }
}
