/// What identifies one version of a source's content: its size and, where the source has them,
/// its entity tag (HTTP `ETag`) and modification time. An index built from a source records its
/// version and refuses to serve a source whose version has changed since.
public struct SourceVersion: Sendable, Equatable, CustomStringConvertible {
    /// Size in bytes.
    public var size: UInt64
    /// The HTTP entity tag, as the server sent it (quotes included), when there is one.
    public var entityTag: String?
    /// The modification time as `seconds.nanoseconds` since 1970 (a local file's `st_mtim`), or
    /// as the server's `Last-Modified` text.
    public var modificationTime: String?

    public init(size: UInt64, entityTag: String? = nil, modificationTime: String? = nil) {
        self.size = size
        self.entityTag = entityTag
        self.modificationTime = modificationTime
    }

    /// True when `other` can be the same content: equal sizes, and equal tags and times where
    /// both sides know them.
    public func matches(_ other: SourceVersion) -> Bool {
        func agree(_ left: String?, _ right: String?) -> Bool {
            guard let left, let right else { return true }
            return left == right
        }
        return size == other.size && agree(entityTag, other.entityTag)
            && agree(modificationTime, other.modificationTime)
    }

    public var description: String {
        var parts = ["\(size) bytes"]
        if let entityTag { parts.append("ETag \(entityTag)") }
        if let modificationTime { parts.append("modified \(modificationTime)") }
        return parts.joined(separator: ", ")
    }
}

/// A source that knows which version of its content it serves.
public protocol VersionedByteSource: ByteSource {
    /// The version of the content, as found when the source was opened.
    var version: SourceVersion { get }
}

extension ByteSource {
    /// The source's version: the source's own when it is a `VersionedByteSource`, else its size
    /// alone.
    public var currentVersion: SourceVersion {
        (self as? any VersionedByteSource)?.version ?? SourceVersion(size: size)
    }
}
