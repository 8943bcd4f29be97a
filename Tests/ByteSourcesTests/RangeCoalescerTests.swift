import ByteKit
import Testing
import TestSupport

@testable import ByteSources

@Suite struct RangeCoalescerTests {
    /// Position-keyed bytes (`i % 251`): a slice routed to the wrong place cannot pass.
    static func positionKeyed(_ range: ByteRange) -> Bytes {
        Bytes((0..<range.length).map { UInt8((range.offset + $0) % 251) })
    }

    static func expected(_ range: ByteRange) -> [UInt8] { positionKeyed(range).array }

    /// Fetches every span of `plan` from position-keyed bytes, part by part, as a source would.
    static func fetch(_ plan: RangeCoalescer.Plan) -> [Bytes] {
        plan.spans.map { span in
            var joined: [UInt8] = []
            for part in span.parts { joined += positionKeyed(part).array }
            return Bytes(joined)
        }
    }

    @Test func rangesCloserThanTheGapAreFetchedAsOneSpan() {
        let coalescer = RangeCoalescer(mergeGap: 100, partLength: 1 << 20)
        let plan = coalescer.plan([
            ByteRange(offset: 0, length: 10), ByteRange(offset: 110, length: 10), ByteRange(offset: 500, length: 5),
        ])
        #expect(plan.spans.map(\.range) == [ByteRange(offset: 0, length: 120), ByteRange(offset: 500, length: 5)])
        #expect(plan.placements == [.init(span: 0, offset: 0), .init(span: 0, offset: 110), .init(span: 1, offset: 0)])
    }

    @Test func aGapOneByteWiderThanTheThresholdSplitsTheSpan() {
        let coalescer = RangeCoalescer(mergeGap: 100, partLength: 1 << 20)
        let plan = coalescer.plan([ByteRange(offset: 0, length: 10), ByteRange(offset: 111, length: 10)])
        #expect(plan.spans.count == 2)
    }

    @Test func touchingRangesMergeEvenWithNoGapAllowed() {
        let coalescer = RangeCoalescer(mergeGap: 0, partLength: 1 << 20)
        let plan = coalescer.plan([ByteRange(offset: 10, length: 10), ByteRange(offset: 0, length: 10)])
        #expect(plan.spans.map(\.range) == [ByteRange(offset: 0, length: 20)])
        #expect(plan.placements == [.init(span: 0, offset: 10), .init(span: 0, offset: 0)])
    }

    @Test func duplicatesAndOverlapsShareOneSpanAndKeepTheCallersOrder() throws {
        let coalescer = RangeCoalescer(mergeGap: 0, partLength: 1 << 20)
        let requested = [
            ByteRange(offset: 50, length: 100), ByteRange(offset: 0, length: 60), ByteRange(offset: 50, length: 100),
            ByteRange(offset: 70, length: 10),
        ]
        let plan = coalescer.plan(requested)
        #expect(plan.spans.map(\.range) == [ByteRange(offset: 0, length: 150)])
        let slices = try #require(plan.slices(of: Self.fetch(plan)))
        #expect(slices.map(\.array) == requested.map(Self.expected))
    }

    @Test func aGapOverBytesAlreadyHeldIsNotMerged() {
        let coalescer = RangeCoalescer(mergeGap: 1000, partLength: 1 << 20)
        let ranges = [ByteRange(offset: 0, length: 10), ByteRange(offset: 100, length: 10)]
        let plan = coalescer.plan(ranges, keepingApart: [ByteRange(offset: 10, length: 90)])
        #expect(plan.spans.map(\.range) == ranges)
        let unrelated = coalescer.plan(ranges, keepingApart: [ByteRange(offset: 500, length: 90)])
        #expect(unrelated.spans.count == 1)
    }

    @Test func aLongSpanIsSplitIntoNearlyEqualPartsNoneLongerThanThePartLength() {
        let coalescer = RangeCoalescer(mergeGap: 0, partLength: 100)
        let plan = coalescer.plan([ByteRange(offset: 7, length: 250)])
        let parts = plan.spans[0].parts
        #expect(parts.map(\.length) == [84, 83, 83])
        #expect(parts.first?.offset == 7)
        #expect(zip(parts, parts.dropFirst()).allSatisfy { $0.end == $1.offset })
        #expect(parts.last?.end == 257)
    }

    @Test func aSpanOfExactlyThePartLengthIsOneRequest() {
        let plan = RangeCoalescer(mergeGap: 0, partLength: 100).plan([ByteRange(offset: 0, length: 100)])
        #expect(plan.spans[0].parts == [ByteRange(offset: 0, length: 100)])
    }

    @Test func emptyRangesAreAnsweredWithoutAFetch() throws {
        let plan = RangeCoalescer().plan([ByteRange(offset: 5, length: 0), ByteRange(offset: 9, length: 3)])
        #expect(plan.spans.map(\.range) == [ByteRange(offset: 9, length: 3)])
        #expect(plan.placements[0] == nil)
        let slices = try #require(plan.slices(of: Self.fetch(plan)))
        #expect(slices.map(\.count) == [0, 3])
    }

    @Test func anEmptyBatchPlansNothing() {
        let plan = RangeCoalescer().plan([])
        #expect(plan.spans.isEmpty && plan.placements.isEmpty)
    }

    @Test func rangesAtTheTopOfTheAddressSpaceDoNotOverflow() {
        let top = ByteRange(offset: UInt64.max - 10, length: 10)
        let plan = RangeCoalescer(mergeGap: UInt64.max, partLength: 1 << 62).plan([ByteRange(offset: 0, length: 1), top])
        #expect(plan.spans.count == 1)
        #expect(plan.spans[0].range.end == UInt64.max)
        #expect(plan.spans[0].parts.count == 4)
    }

    @Test func slicesShareTheSpansStorage() throws {
        let plan = RangeCoalescer(mergeGap: 10).plan([ByteRange(offset: 0, length: 4), ByteRange(offset: 8, length: 4)])
        let span = Self.fetch(plan)
        let slices = try #require(plan.slices(of: span))
        let spanBase = span[0].withUnsafeBytes { $0.baseAddress }
        let secondBase = slices[1].withUnsafeBytes { $0.baseAddress }
        #expect(secondBase == spanBase.map { $0 + 8 })
    }

    @Test func aShortSpanIsRejectedRatherThanSliced() {
        let plan = RangeCoalescer().plan([ByteRange(offset: 0, length: 10)])
        #expect(plan.slices(of: [Bytes([1, 2, 3])]) == nil)
        #expect(plan.slices(of: []) == nil)
    }

    @Test func randomBatchesAreAnsweredWithTheRightBytesInTheCallersOrder() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("RangeCoalescer random batches seed: \(seed)")
        var generator = SplitMix64(seed: seed)
        for _ in 0..<300 {
            let coalescer = RangeCoalescer(
                mergeGap: UInt64.random(in: 0...64, using: &generator),
                partLength: UInt64.random(in: 1...128, using: &generator))
            let requested = (0..<Int.random(in: 0...20, using: &generator)).map { _ in
                ByteRange(
                    offset: UInt64.random(in: 0...2000, using: &generator),
                    length: UInt64.random(in: 0...300, using: &generator))
            }
            let plan = coalescer.plan(requested)
            for (earlier, later) in zip(plan.spans, plan.spans.dropFirst()) {
                let gap = later.range.offset - (earlier.range.end ?? 0)
                #expect(later.range.offset > earlier.range.end ?? 0 && gap > coalescer.mergeGap)
            }
            for span in plan.spans {
                #expect(span.parts.allSatisfy { $0.length <= coalescer.partLength && $0.length > 0 })
                #expect(span.parts.reduce(0) { $0 + $1.length } == span.range.length)
            }
            let slices = try #require(plan.slices(of: Self.fetch(plan)), "seed \(seed)")
            #expect(slices.map(\.array) == requested.map(Self.expected), "seed \(seed)")
        }
    }
}
