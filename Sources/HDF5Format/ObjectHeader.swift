import ByteKit

/// An object header with all its messages, continuation blocks followed
/// (HDF5 File Format Specification 4.0, IV.A.1.a "Version 1 Data Object Header Prefix",
/// IV.A.1.b "Version 2 Data Object Header Prefix", IV.A.2.q "Object Header Continuation").
///
/// ```text
/// version 1                                  version 2
///   version (1)                  1             signature "OHDR"                  4
///   reserved                     1             version (2)                       1
///   total number of messages     2             flags                             1
///   object reference count       4             (flags bit 5) 4 times             4 x 4
///   object header size           4             (flags bit 4) max compact, min dense  2+2
///   reserved (alignment)         4             size of chunk 0              1/2/4/8
///   messages: type 2, size 2, flags 1,          messages: type 1, size 2, flags 1,
///     reserved 3, body (8-aligned)                (flags bit 2) creation order 2, body
///                                               gap (< one message header)
///                                               checksum                           4
/// continuation blocks: v1 messages only; v2 "OCHK", messages, gap, checksum.
/// ```
public struct ObjectHeader: Sendable {
    /// Absolute address of the header.
    public let address: UInt64
    /// Header version, 1 or 2.
    public let version: Int
    /// Every message in the header and its continuation blocks, in order, Nil messages and
    /// continuation messages left out.
    public let messages: [HeaderMessage]
    /// Version 2 flags bit 2: attribute creation order is tracked.
    public let tracksAttributeCreationOrder: Bool

    /// The messages of a known type, in header order.
    public func messages(of type: MessageType) -> [HeaderMessage] {
        messages.filter { $0.typeNumber == type.rawValue }
    }

    /// The first message of a known type, if any.
    public func firstMessage(of type: MessageType) -> HeaderMessage? {
        messages.first { $0.typeNumber == type.rawValue }
    }

    /// Decodes the object header at `address` and every continuation block it chains to.
    public static func read(view: FileView, address: UInt64, context: FormatContext) throws -> ObjectHeader {
        var missing: [ByteRange] = []
        return try read(view: view, address: address, context: context, skippingMissingBlocks: false, missing: &missing)
    }

    /// The header as far as the bytes fetched go: the messages of its first block and of the
    /// continuation blocks already there, and the blocks left out (not those they chain to).
    /// Only for guessing what to fetch next, such as the members a group's first block already
    /// lists while its continuation blocks are on their way; never a substitute for `read`.
    public static func readAvailable(
        view: FileView, address: UInt64, context: FormatContext
    ) throws -> (header: ObjectHeader, missing: [ByteRange]) {
        var missing: [ByteRange] = []
        let header = try read(view: view, address: address, context: context, skippingMissingBlocks: true, missing: &missing)
        return (header, missing)
    }

    /// `skippingMissingBlocks`: continuation blocks not fetched are added to `missing` and left
    /// out, where otherwise they throw `BytesNeeded`.
    private static func read(
        view: FileView, address: UInt64, context: FormatContext, skippingMissingBlocks: Bool, missing: inout [ByteRange]
    ) throws -> ObjectHeader {
        let head = try view.cursor(at: address, upTo: 4, structure: "object header")
        if head.bytes.array == Array("OHDR".utf8) {
            return try readVersion2(
                view: view, address: address, context: context, skippingMissingBlocks: skippingMissingBlocks, missing: &missing)
        }
        return try readVersion1(
            view: view, address: address, context: context, skippingMissingBlocks: skippingMissingBlocks, missing: &missing)
    }

    private static func readVersion1(
        view: FileView, address: UInt64, context: FormatContext, skippingMissingBlocks: Bool, missing: inout [ByteRange]
    ) throws -> ObjectHeader {
        let structure = "object header v1"
        var prefix = try view.cursor(at: address, length: 16, structure: structure)
        let version = try prefix.readUInt8()
        guard version == 1 else {
            throw HDF5Error.badSignature(
                structure: "object header", offset: address, expected: "OHDR or version 1",
                found: "version byte \(version)")
        }
        try prefix.skip(1 + 2 + 4)  // reserved, message count (recounted), reference count
        let size = UInt64(try prefix.readUInt32())
        var blocks = Blocks(first: ByteRange(offset: address + 16, length: size))
        var messages: [HeaderMessage] = []
        var isFirst = true
        while let block = try blocks.next(structure: structure) {
            var cursor: ByteCursor
            do {
                cursor = try view.cursor(at: block.offset, length: block.length, structure: structure)
            } catch let needed as BytesNeeded where skippingMissingBlocks && !isFirst {
                missing += needed.ranges
                continue
            }
            isFirst = false
            // Each message is 8-byte aligned; a block's tail may hold fewer bytes than a header.
            while cursor.remaining >= 8 {
                let typeNumber = try cursor.readUInt16()
                let bodySize = Int(try cursor.readUInt16())
                let flags = try cursor.readUInt8()
                try cursor.skip(3)
                let bodyOffset = cursor.offset
                let body = try cursor.readBytes(bodySize)
                try collect(
                    HeaderMessage(typeNumber: typeNumber, flags: flags, body: body, bodyOffset: bodyOffset),
                    into: &messages, blocks: &blocks, context: context)
            }
        }
        return ObjectHeader(address: address, version: 1, messages: messages, tracksAttributeCreationOrder: false)
    }

    private static func readVersion2(
        view: FileView, address: UInt64, context: FormatContext, skippingMissingBlocks: Bool, missing: inout [ByteRange]
    ) throws -> ObjectHeader {
        let structure = "object header v2"
        // Longest prefix: signature, version, flags, 4 times, 2 phase-change values, 8-byte size.
        var prefix = try view.cursor(at: address, upTo: 4 + 1 + 1 + 16 + 4 + 8, structure: structure)
        try prefix.skip(4)
        let version = try prefix.readUInt8()
        guard version == 2 else {
            throw HDF5Error.unknownVersion(structure: structure, offset: address + 4, version: Int(version))
        }
        let flags = try prefix.readUInt8()
        if flags & 0x20 != 0 { try prefix.skip(16) }  // access, modification, change, birth times
        if flags & 0x10 != 0 { try prefix.skip(4) }  // max compact / min dense attributes
        let sizeWidth = 1 << Int(flags & 0x03)
        let chunkSize = try prefix.readUnsigned(width: sizeWidth)
        let messagesStart = address + UInt64(prefix.position)
        guard chunkSize <= Limits.structureBytes else {
            throw HDF5Error.limitExceeded(
                structure: structure, offset: address, limit: "chunk 0 of \(chunkSize) bytes")
        }
        let tracksCreationOrder = flags & 0x04 != 0
        // Chunk 0 is checksummed from the signature on; continuation blocks from "OCHK" on.
        let whole = try view.bytes(
            at: address, length: UInt64(prefix.position) + chunkSize + 4, structure: structure)
        try Lookup3.verify(whole, structure: structure, offset: address)

        var blocks = Blocks(first: ByteRange(offset: messagesStart, length: chunkSize))
        var messages: [HeaderMessage] = []
        var isFirst = true
        while let block = try blocks.next(structure: structure) {
            var cursor: ByteCursor
            if isFirst {
                cursor = try view.cursor(at: block.offset, length: block.length, structure: structure)
                isFirst = false
            } else {
                let continuation: Bytes
                do {
                    continuation = try view.bytes(at: block.offset, length: block.length, structure: "object header continuation block")
                } catch let needed as BytesNeeded where skippingMissingBlocks {
                    missing += needed.ranges
                    continue
                }
                try Lookup3.verify(continuation, structure: "object header continuation block", offset: block.offset)
                var blockCursor = ByteCursor(
                    bytes: continuation, baseOffset: block.offset, structure: "object header continuation block")
                try blockCursor.expectSignature("OCHK")
                cursor = try blockCursor.readCursor(blockCursor.remaining - 4)
            }
            let headerSize = tracksCreationOrder ? 6 : 4
            // A gap smaller than a message header may end a block (IV.A.1.b).
            while cursor.remaining >= headerSize {
                let typeNumber = UInt16(try cursor.readUInt8())
                let bodySize = Int(try cursor.readUInt16())
                let messageFlags = try cursor.readUInt8()
                if tracksCreationOrder { try cursor.skip(2) }
                let bodyOffset = cursor.offset
                let body = try cursor.readBytes(bodySize)
                try collect(
                    HeaderMessage(typeNumber: typeNumber, flags: messageFlags, body: body, bodyOffset: bodyOffset),
                    into: &messages, blocks: &blocks, context: context)
            }
        }
        return ObjectHeader(
            address: address, version: 2, messages: messages, tracksAttributeCreationOrder: tracksCreationOrder)
    }

    /// Files a message: continuation messages queue a block, Nil messages are dropped.
    private static func collect(
        _ message: HeaderMessage, into messages: inout [HeaderMessage], blocks: inout Blocks,
        context: FormatContext
    ) throws {
        switch message.type {
        case .nil_:
            return
        case .objectHeaderContinuation:
            var cursor = message.cursor("object header continuation message")
            guard let offset = try cursor.readAddress(context) else {
                throw cursor.invalid("continuation block address is undefined")
            }
            let length = try cursor.readLength(context)
            blocks.enqueue(ByteRange(offset: offset, length: length))
        default:
            guard messages.count < Limits.messagesPerHeader else {
                throw HDF5Error.limitExceeded(
                    structure: "object header", offset: message.bodyOffset,
                    limit: "more than \(Limits.messagesPerHeader) messages")
            }
            if message.type == nil, message.flags & 0x80 != 0 {
                // Bit 7: "fail to open the object if this message type is not understood".
                throw HDF5Error.unsupported(
                    feature: "header message type \(message.typeNumber) marked must-understand",
                    structure: "object header", offset: message.bodyOffset)
            }
            messages.append(message)
        }
    }

    /// The queue of blocks still to read, refusing to visit a block twice or too many.
    private struct Blocks {
        private var pending: [ByteRange]
        private var visited: Set<UInt64> = []

        init(first: ByteRange) { pending = [first] }

        mutating func enqueue(_ range: ByteRange) { pending.append(range) }

        mutating func next(structure: String) throws -> ByteRange? {
            guard !pending.isEmpty else { return nil }
            let range = pending.removeFirst()
            guard visited.insert(range.offset).inserted else {
                throw HDF5Error.cycle(structure: structure, offset: range.offset)
            }
            guard visited.count <= Limits.continuationBlocks else {
                throw HDF5Error.limitExceeded(
                    structure: structure, offset: range.offset,
                    limit: "more than \(Limits.continuationBlocks) continuation blocks")
            }
            guard range.length <= Limits.structureBytes else {
                throw HDF5Error.limitExceeded(
                    structure: structure, offset: range.offset, limit: "block of \(range.length) bytes")
            }
            return range
        }
    }
}
