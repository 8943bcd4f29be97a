import HDF5
import HDF5Format

/// Renders a listing as an indented tree, one object a line:
/// name, kind, dtype, shape, chunk shape, filters, storage size and NWB type.
struct TreeFormatter {
    let entries: [ListingEntry]
    /// Storage sizes of the datasets, by object address, where known.
    let storageSizes: [UInt64: UInt64]
    /// Each entry by its full path, without tree lines (a filtered listing has gaps).
    var fullPaths = false

    func render() -> String {
        guard let first = entries.first else { return "" }
        let rootDepth = depth(of: first.path)
        var rows: [(label: String, details: String)] = []
        for (index, entry) in entries.enumerated() {
            let level = depth(of: entry.path) - rootDepth
            let name = index == 0 || fullPaths ? entry.path : String(entry.path.split(separator: "/").last ?? "")
            let prefix = index == 0 || fullPaths ? "" : treePrefix(for: index, level: level)
            rows.append((prefix + name, details(of: entry)))
        }
        let width = min(rows.map { $0.label.count }.max() ?? 0, 60)
        return rows.map { row in
            let padding = String(repeating: " ", count: max(width - row.label.count, 0) + 2)
            return (row.details.isEmpty ? row.label : row.label + padding + row.details) + "\n"
        }.joined()
    }

    /// Box-drawing prefix: a bar for every ancestor level that has later siblings.
    private func treePrefix(for index: Int, level: Int) -> String {
        var prefix = ""
        for ancestorLevel in 1..<max(level, 1) {
            prefix += hasLaterSibling(after: index, atLevel: ancestorLevel) ? "│   " : "    "
        }
        return prefix + (hasLaterSibling(after: index, atLevel: level) ? "├── " : "└── ")
    }

    private func hasLaterSibling(after index: Int, atLevel level: Int) -> Bool {
        let rootDepth = depth(of: entries[0].path)
        for later in entries[(index + 1)...] {
            let laterLevel = depth(of: later.path) - rootDepth
            if laterLevel < level { return false }
            if laterLevel == level { return true }
        }
        return false
    }

    private func depth(of path: String) -> Int {
        path.split(separator: "/").count
    }

    private func details(of entry: ListingEntry) -> String {
        switch entry.target {
        case .softLink(let target):
            return "-> \(target)"
        case .externalLink(let file, let target):
            return "-> \(file):\(target)"
        case .object(let object):
            var fields: [String] = []
            switch object.kind {
            case .group:
                fields.append("group")
            case .datatype:
                fields.append("datatype")
                fields.append(typeName(of: object))
            case .dataset:
                fields.append("dataset")
                fields.append(typeName(of: object))
                if let dataspace = object.dataspace { fields.append(dataspace.humanShape) }
                if let chunks = object.chunkShape {
                    fields.append("chunks (" + chunks.map(String.init).joined(separator: ", ") + ")")
                }
                if !object.filterNames.isEmpty { fields.append(object.filterNames.joined(separator: "+")) }
                if let size = storageSizes[object.address] { fields.append(humanByteCount(size)) }
            }
            if let type = object.neurodataType { fields.append("<\(type)>") }
            return fields.joined(separator: "  ")
        }
    }

    private func typeName(of object: HDF5Object) -> String {
        guard let datatype = object.datatype else { return "?" }
        return (try? DtypeDescription(datatype, structure: "datatype", offset: object.address).humanName)
            ?? "unsupported type"
    }
}
