extension HTTPSource: VersionedByteSource {
    /// The object's size and ETag as found when it was opened (what an index sidecar records).
    public var version: SourceVersion { SourceVersion(size: size, entityTag: entityTag) }
}
