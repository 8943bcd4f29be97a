/// The existing paths closest to a path that does not exist, for error messages.
public enum PathSuggestions {
    /// Up to `limit` of `candidates` closest to `path` by edit distance (Levenshtein), closest
    /// first; a candidate further than half the path's length is not suggested.
    public static func closest(to path: String, among candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        let target = Array(path.utf8)
        let cutoff = max(target.count / 2, 2)
        var scored: [(distance: Int, path: String)] = []
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.utf8), cutoff: cutoff)
            if distance <= cutoff { scored.append((distance, candidate)) }
        }
        scored.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.path < $1.path }
        return scored.prefix(limit).map(\.path)
    }

    /// Levenshtein distance between `a` and `b`, or a value above `cutoff` once it is known to
    /// exceed it (one row of the table at a time).
    static func editDistance(_ a: [UInt8], _ b: [UInt8], cutoff: Int) -> Int {
        if abs(a.count - b.count) > cutoff { return cutoff + 1 }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1..<(b.count + 1) {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > cutoff { return cutoff + 1 }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
