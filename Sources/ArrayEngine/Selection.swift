/// Which elements of an array to read: per dimension, NumPy's `start:stop:step` or one index.
public struct Selection: Sendable, Equatable, CustomStringConvertible {
    /// One dimension of a selection, as written (negative values count from the end).
    public enum Dimension: Sendable, Equatable {
        case slice(start: Int64?, stop: Int64?, step: Int64?)
        case index(Int64)
    }

    /// Dimensions from the first; missing trailing dimensions are selected whole.
    public var dimensions: [Dimension]

    public init(_ dimensions: [Dimension]) {
        self.dimensions = dimensions
    }

    /// Everything.
    public static let all = Selection([])

    /// Parses NumPy's notation: `0:30000,::2`, `5`, `-100:`, `:` (an empty text selects all).
    public static func parse(_ text: String) throws -> Selection {
        let trimmed = text.filter { !$0.isWhitespace }
        guard !trimmed.isEmpty else { return .all }
        return Selection(
            try trimmed.split(separator: ",", omittingEmptySubsequences: false).map { part in
                let fields = part.split(separator: ":", omittingEmptySubsequences: false)
                func number(_ field: Substring) throws -> Int64? {
                    if field.isEmpty { return nil }
                    guard let value = Int64(field) else { throw ArrayError.badSelection(text: text, reason: "\"\(field)\" is not an integer") }
                    return value
                }
                switch fields.count {
                case 1:
                    guard let index = try number(fields[0]) else {
                        throw ArrayError.badSelection(text: text, reason: "empty dimension")
                    }
                    return .index(index)
                case 2: return .slice(start: try number(fields[0]), stop: try number(fields[1]), step: nil)
                case 3: return .slice(start: try number(fields[0]), stop: try number(fields[1]), step: try number(fields[2]))
                default: throw ArrayError.badSelection(text: text, reason: "\"\(part)\" has more than two colons")
                }
            })
    }

    public var description: String {
        dimensions.map { dimension in
            switch dimension {
            case .index(let index): return String(index)
            case .slice(let start, let stop, let step):
                return (start.map(String.init) ?? "") + ":" + (stop.map(String.init) ?? "")
                    + (step.map { ":\($0)" } ?? "")
            }
        }.joined(separator: ",")
    }

    /// The selection made concrete for an array of `shape`, with NumPy's rules for negative
    /// and out-of-range bounds. Negative steps are not supported.
    public func resolve(shape: [UInt64]) throws -> [ResolvedDimension] {
        guard dimensions.count <= shape.count else {
            throw ArrayError.badSelection(
                text: description, reason: "\(dimensions.count) dimensions selected in an array of \(shape.count)")
        }
        return try shape.enumerated().map { axis, extent in
            guard axis < dimensions.count else { return ResolvedDimension(start: 0, count: extent, step: 1, isIndex: false) }
            guard extent <= UInt64(Int64.max) else {
                throw ArrayError.badSelection(text: description, reason: "dimension of \(extent) elements")
            }
            let size = Int64(extent)
            switch dimensions[axis] {
            case .index(let index):
                let position = index < 0 ? index + size : index
                guard position >= 0, position < size else {
                    throw ArrayError.badSelection(
                        text: description, reason: "index \(index) is out of bounds for axis \(axis) with size \(size)")
                }
                return ResolvedDimension(start: UInt64(position), count: 1, step: 1, isIndex: true)
            case .slice(let start, let stop, let step):
                let step = step ?? 1
                guard step != 0 else { throw ArrayError.badSelection(text: description, reason: "slice step cannot be zero") }
                guard step > 0 else {
                    throw ArrayError.unsupported(feature: "negative slice steps (\(description))")
                }
                func clamp(_ value: Int64?, default fallback: Int64) -> Int64 {
                    guard let value else { return fallback }
                    let position = value < 0 ? value + size : value
                    return min(max(position, 0), size)
                }
                let first = clamp(start, default: 0)
                let end = clamp(stop, default: size)
                let count = end > first ? (end - first - 1) / step + 1 : 0
                return ResolvedDimension(start: UInt64(first), count: UInt64(count), step: UInt64(step), isIndex: false)
            }
        }
    }
}

/// One dimension of a resolved selection: `count` elements from `start`, `step` apart.
public struct ResolvedDimension: Sendable, Equatable {
    public var start: UInt64
    public var count: UInt64
    public var step: UInt64
    /// Selected by a single index: the dimension is dropped from the result's shape.
    public var isIndex: Bool

    public init(start: UInt64, count: UInt64, step: UInt64, isIndex: Bool) {
        self.start = start
        self.count = count
        self.step = step
        self.isIndex = isIndex
    }

    /// The last selected position (meaningless when `count` is 0).
    var last: UInt64 { start + (count - 1) * step }
}
