import ByteKit

/// Header message type numbers (HDF5 File Format Specification 4.0, IV.A.2).
public enum MessageType: UInt16, Sendable {
    case nil_ = 0x0000
    case dataspace = 0x0001
    case linkInfo = 0x0002
    case datatype = 0x0003
    case fillValueOld = 0x0004
    case fillValue = 0x0005
    case link = 0x0006
    case externalDataFiles = 0x0007
    case dataLayout = 0x0008
    case bogus = 0x0009
    case groupInfo = 0x000A
    case filterPipeline = 0x000B
    case attribute = 0x000C
    case objectComment = 0x000D
    case objectModificationTimeOld = 0x000E
    case sharedMessageTable = 0x000F
    case objectHeaderContinuation = 0x0010
    case symbolTable = 0x0011
    case objectModificationTime = 0x0012
    case btreeKValues = 0x0013
    case driverInfo = 0x0014
    case attributeInfo = 0x0015
    case objectReferenceCount = 0x0016
    case fileSpaceInfo = 0x0017
}

/// One message of an object header, undecoded: its type, flags and body bytes.
public struct HeaderMessage: Sendable {
    /// The raw type number; see `MessageType`.
    public let typeNumber: UInt16
    /// Message flags (IV.A.1.a/b): bit 0 constant, bit 1 shared, bit 3 "fail if unknown and
    /// writing", bit 5 shareable, bit 7 "fail if unknown" (always).
    public let flags: UInt8
    /// The message body.
    public let body: Bytes
    /// Absolute file offset of the body.
    public let bodyOffset: UInt64

    public init(typeNumber: UInt16, flags: UInt8, body: Bytes, bodyOffset: UInt64) {
        self.typeNumber = typeNumber
        self.flags = flags
        self.body = body
        self.bodyOffset = bodyOffset
    }

    /// The known message type, or nil for a number this reader does not know.
    public var type: MessageType? { MessageType(rawValue: typeNumber) }
    /// True when the body is a shared-message reference (IV.A.2.w) rather than the message.
    public var isShared: Bool { flags & 0x02 != 0 }

    /// A cursor over the body, naming `structure` in errors.
    public func cursor(_ structure: String) -> ByteCursor {
        ByteCursor(bytes: body, baseOffset: bodyOffset, structure: structure)
    }
}
