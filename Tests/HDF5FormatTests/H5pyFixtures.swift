import ByteKit
import Foundation
import Testing

@testable import HDF5Format

/// Datasets of every datatype class written by h5py (libhdf5) into a temporary directory, with
/// what h5py reads back: the raw datatype and dataspace messages (found by walking the object
/// header in Python), the contiguous data's offset, and each element's value flattened to
/// `path=leaf` lines (see `flatten` in the script). Generated once per test run.
struct H5pyFixtures: Sendable {
    struct Dataset: Sendable {
        /// "libver/name", e.g. "earliest/f2".
        var name: String
        var datatypeMessage: [UInt8] = []
        var dataspaceMessage: [UInt8] = []
        /// h5py's shape and maxshape as JSON text.
        var shape = ""
        var maxShape = ""
        /// h5py's dtype, described as README.md's `ls --json` contract says, as compact JSON.
        var dtype = ""
        /// Offset, byte size and element count of the contiguous data, when there is some.
        var data: (offset: UInt64, size: UInt64, count: Int)?
        var values: [String] = []
        /// The key of the file holding the dataset in `files`.
        var file = ""
    }

    var files: [String: String] = [:]
    var datasets: [Dataset] = []

    /// The fixtures, or nil when python3 with h5py is not available.
    static let shared: H5pyFixtures? = try? generate()

    /// Loads a generated file as a view of the whole file.
    func view(file: String) throws -> FileView {
        let path = try #require(files[file])
        return FileView(wholeFile: Bytes(Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
    }

    func dataset(_ name: String) throws -> Dataset {
        try #require(datasets.first { $0.name == name })
    }

    static let context = FormatContext(offsetSize: 8, lengthSize: 8, baseAddress: 0)

    static func generate() throws -> H5pyFixtures {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("h5py-datatypes-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let conformance = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent("../shared/testdata").standardized.path
        let output = try runPython(script, arguments: [directory.path, conformance])
        var fixtures = H5pyFixtures()
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let (key, rest) = (parts[0], parts[1])
            switch key {
            case "file":
                let fields = rest.split(separator: " ", maxSplits: 1).map(String.init)
                fixtures.files[fields[0]] = fields[1]
            case "dataset": fixtures.datasets.append(Dataset(name: rest))
            case "in": fixtures.datasets[fixtures.datasets.count - 1].file = rest
            case "datatype": fixtures.datasets[fixtures.datasets.count - 1].datatypeMessage = hexBytes(rest)
            case "dataspace": fixtures.datasets[fixtures.datasets.count - 1].dataspaceMessage = hexBytes(rest)
            case "shape": fixtures.datasets[fixtures.datasets.count - 1].shape = rest
            case "maxshape": fixtures.datasets[fixtures.datasets.count - 1].maxShape = rest
            case "dtype": fixtures.datasets[fixtures.datasets.count - 1].dtype = rest
            case "data":
                let numbers = rest.split(separator: " ").compactMap { UInt64($0) }
                fixtures.datasets[fixtures.datasets.count - 1].data = (numbers[0], numbers[1], Int(numbers[2]))
            case "value": fixtures.datasets[fixtures.datasets.count - 1].values.append(rest)
            default: continue
            }
        }
        return fixtures
    }

    static let script = #"""
        import sys, os, struct, json
        import numpy as np, h5py
        from h5py import h5t

        out_dir = sys.argv[1]

        def u(data, p, n): return int.from_bytes(data[p:p+n], 'little')

        def header_messages(data, addr):
            """(type, flags, body) of every message of the object header at addr (versions 1 and 2)."""
            msgs = []
            if data[addr:addr+4] == b'OHDR':
                flags = data[addr+5]; p = addr + 6
                if flags & 0x20: p += 16
                if flags & 0x10: p += 4
                width = 1 << (flags & 3); size = u(data, p, width); p += width
                blocks = [(p, p + size, 0)]
                while blocks:
                    p, end, _ = blocks.pop(0)
                    while p + 4 <= end:
                        t = data[p]; n = u(data, p+1, 2); fl = data[p+3]; p += 4
                        if flags & 0x04: p += 2
                        body = data[p:p+n]; p += n
                        if t == 0x10:
                            a = u(body, 0, 8); l = u(body, 8, 8); blocks.append((a + 4, a + l - 4, 0))
                        msgs.append((t, fl, body))
            else:
                count = u(data, addr+2, 2); size = u(data, addr+8, 4)
                blocks = [(addr+16, addr+16+size)]
                while blocks:
                    p, end = blocks.pop(0)
                    while p + 8 <= end:
                        t = u(data, p, 2); n = u(data, p+2, 2); fl = data[p+4]; body = data[p+8:p+8+n]; p += 8 + n
                        if t == 0x10: blocks.append((u(body, 0, 8), u(body, 0, 8) + u(body, 8, 8)))
                        msgs.append((t, fl, body))
            return msgs

        def leaf_float(x):
            x = float(x)
            if x != x: return 'f:nan'
            return 'f:%016x' % struct.unpack('<Q', struct.pack('<d', x))[0]

        def flatten(f, x, path, out):
            if isinstance(x, h5py.RegionReference):
                out.append(f'{path}=rr:{addr_of(f, x)}')
            elif isinstance(x, h5py.Reference):
                out.append(f'{path}=r:{addr_of(f, x)}')
            elif isinstance(x, (np.datetime64, np.timedelta64)):
                out.append(f'{path}=i:{int(x.astype(np.int64))}')
            elif isinstance(x, np.ndarray):
                for i, v in enumerate(x): flatten(f, v, f'{path}[{i}]', out)
            elif isinstance(x, np.void) and x.dtype.names:
                for name in x.dtype.names: flatten(f, x[name], f'{path}.{name}', out)
            elif isinstance(x, np.void):
                out.append(f'{path}=x:{bytes(x).hex()}')
            elif isinstance(x, (bool, np.bool_)):
                out.append(f'{path}=b:{str(bool(x)).lower()}')
            elif isinstance(x, (int, np.integer)):
                out.append(f'{path}=i:{int(x)}')
            elif isinstance(x, (complex, np.complexfloating)):
                out.append(f'{path}.re={leaf_float(x.real)}'); out.append(f'{path}.im={leaf_float(x.imag)}')
            elif isinstance(x, (float, np.floating)):
                out.append(f'{path}={leaf_float(x)}')
            elif isinstance(x, bytes):
                try: s = x.decode('utf-8')
                except UnicodeDecodeError: s = x.decode('latin-1')
                out.append(f'{path}=s:{s.encode().hex()}')
            elif isinstance(x, str):
                out.append(f'{path}=s:{x.encode().hex()}')
            else:
                raise TypeError(type(x))

        def addr_of(f, ref):
            if not ref: return 'null'
            return str(h5py.h5o.get_info(h5py.h5r.dereference(ref, f.id)).addr)

        def describe(dt):
            """h5py's dtype as the `ls --json` contract in README.md describes it."""
            enum = h5py.check_dtype(enum=dt)
            if enum is not None:
                return {'enum': describe(np.dtype(dt.str)), 'members': enum}
            vlen = h5py.check_dtype(vlen=dt)
            if vlen in (str, bytes):
                return 'vlen-str'
            if vlen is not None:
                return {'vlen': describe(np.dtype(vlen))}
            ref = h5py.check_dtype(ref=dt)
            if ref is not None:
                return 'regionref' if ref is h5py.RegionReference else 'ref'
            if dt.subdtype is not None:
                return {'array': describe(dt.subdtype[0]), 'shape': list(dt.subdtype[1])}
            if dt.names:
                return [[name, describe(dt.fields[name][0])] for name in dt.names]
            return dt.str

        def low_level(f, name, tid, data, shape):
            space = h5py.h5s.create_simple(shape)
            dset = h5py.h5d.create(f.id, name.encode(), tid, space)
            dset.write(h5py.h5s.ALL, h5py.h5s.ALL, data, mtype=tid)

        def populate(f, libver):
            f.create_dataset('i1', data=np.array([-128, 0, 127], '|i1'))
            f.create_dataset('u1', data=np.array([0, 255], '|u1'))
            f.create_dataset('i2be', data=np.array([-2, 300, -32768], '>i2'))
            f.create_dataset('u4be', data=np.array([1, 4000000000], '>u4'))
            f.create_dataset('i8', data=np.array([-2**63, 2**63 - 1, -1], '<i8'))
            f.create_dataset('u8', data=np.array([2**64 - 1, 0], '<u8'))
            special = [0.1, -0.0, np.inf, -np.inf, np.nan, 1e-5, 65504, 6e-8]
            f.create_dataset('f2', data=np.array(special, '<f2'))
            f.create_dataset('f2be', data=np.array(special, '>f2'))
            f.create_dataset('f4', data=np.array(special + [3.4e38, 1e-45], '<f4'))
            f.create_dataset('f4be', data=np.array(special, '>f4'))
            f.create_dataset('f8', data=np.array(special + [1e300, 5e-324], '<f8'))
            f.create_dataset('f8be', data=np.array(special, '>f8'))
            f.create_dataset('f16', data=np.array([0.1, -2.5, np.inf, 1e-310, 3.0], np.longdouble))
            low_level(f, 'bitfield', h5t.STD_B16BE, np.array([1, 0xabcd], '>u2'), (2,))
            opaque = h5t.create(h5t.OPAQUE, 4); opaque.set_tag(b'four bytes')
            low_level(f, 'opaque_tagged', opaque, np.frombuffer(b'\x00\x01\xfe\xffabcd', 'V4'), (2,))
            f.create_dataset('opaque', data=np.frombuffer(b'\x00\x01\xfe\xffabcd', 'V4'))
            f.create_dataset('fixed_ascii', data=np.array([b'ab', b'abcde', b'a\x00b', b''], 'S5'))
            utf8 = h5t.C_S1.copy(); utf8.set_size(6); utf8.set_cset(h5t.CSET_UTF8); utf8.set_strpad(h5t.STR_NULLPAD)
            low_level(f, 'fixed_utf8', utf8, np.array(['é'.encode(), 'ü£'.encode(), b'\xff'], 'S6'), (3,))
            space_padded = h5t.C_S1.copy(); space_padded.set_size(6); space_padded.set_strpad(h5t.STR_SPACEPAD)
            low_level(f, 'fixed_spacepad', space_padded, np.array([b'ab    ', b'abcdef'], 'S6'), (2,))
            null_terminated = h5t.C_S1.copy(); null_terminated.set_size(5); null_terminated.set_strpad(h5t.STR_NULLTERM)
            low_level(f, 'fixed_nullterm', null_terminated, np.array([b'abcde', b'a\x00b', b'a b  '], 'S5'), (3,))
            f.create_dataset('vlen_utf8', data=['', 'héllo', 'x' * 100], dtype=h5py.string_dtype())
            f.create_dataset('vlen_ascii', data=[b'a', b'bc'], dtype=h5py.string_dtype('ascii'))
            sequences = np.empty(3, object); sequences[:] = [np.array([1, 2, 3], '<i4'), np.array([], '<i4'), np.array([-4], '<i4')]
            f.create_dataset('vlen_i4', data=sequences, dtype=h5py.vlen_dtype('<i4'))
            nested = np.dtype([('a', '<i4'), ('b', [('c', '>f4'), ('d', 'S3')]), ('e', '<i2', (2,))])
            f.create_dataset('compound', data=np.array([(1, (0.5, b'xy'), (3, 4)), (-1, (2.0, b'abc'), (5, 6))], nested))
            f.create_dataset('enum', data=np.array([-1, 5], '<i2'), dtype=h5py.enum_dtype({'A': -1, 'B': 5}, basetype='<i2'))
            f.create_dataset('bool', data=np.array([True, False]))
            array = h5t.array_create(h5t.STD_I16LE, (2, 3))
            low_level(f, 'array', array, np.arange(12, dtype='<i2').reshape(2, 2, 3), (2,))
            f.create_dataset('c16', data=np.array([1 + 2j, -0.5j], '<c16'))
            if libver != 'v108': low_level(f, 'c8be_native', h5t.COMPLEX_IEEE_F32BE, np.array([1.5 - 2j], '>c8'), (1,))
            f.create_group('group')
            f.create_dataset('refs', data=np.array([f['group'].ref, f['i1'].ref, None], dtype=h5py.ref_dtype))
            f.create_dataset('regionrefs', data=np.array([f['f8'].regionref[1:3], None], dtype=h5py.regionref_dtype))
            f.create_dataset('scalar', data=np.float64(2.5))
            f.create_dataset('empty', data=h5py.Empty('<i4'))
            f.create_dataset('unlimited', shape=(3, 4), maxshape=(None, 4), dtype='<i4', chunks=(1, 4))

        def write_revised_references(path):
            """HDF5 1.12's revised references (H5R_OBJECT2, H5R_ATTR, H5R_DATASET_REGION2), written through
            libhdf5's C API with ctypes since h5py cannot create them. Returns the expected value lines."""
            import ctypes, glob
            library = glob.glob(os.path.join(os.path.dirname(h5py.__file__), '..', 'h5py.libs', 'libhdf5-*'))
            hdf5 = ctypes.CDLL(library[0]) if library else ctypes.CDLL(h5py.h5.__file__)
            hid = ctypes.c_int64
            hdf5.H5open()
            reference_type = hid.in_dll(hdf5, 'H5T_STD_REF_g').value
            hdf5.H5Rcreate_object.argtypes = [hid, ctypes.c_char_p, hid, ctypes.c_void_p]
            hdf5.H5Rcreate_attr.argtypes = [hid, ctypes.c_char_p, ctypes.c_char_p, hid, ctypes.c_void_p]
            hdf5.H5Rcreate_region.argtypes = [hid, ctypes.c_char_p, hid, hid, ctypes.c_void_p]
            hdf5.H5Dcreate2.argtypes = [hid, ctypes.c_char_p, hid, hid, hid, hid, hid]
            hdf5.H5Dcreate2.restype = hid
            hdf5.H5Dwrite.argtypes = [hid, hid, hid, hid, hid, ctypes.c_void_p]
            with h5py.File(path, 'w', libver='latest') as f:
                f.create_group('group')
                f.create_dataset('data', data=np.arange(10, dtype='<i4'))
                f['data'].attrs['units'] = 'm'
                group, data = (h5py.h5o.get_info(f[name].id).addr for name in ('group', 'data'))
                space = h5py.h5s.create_simple((10,))
                space.select_hyperslab((2,), (3,))
                expected = {}
                for name, create, line in (
                    ('object2', lambda buffer: hdf5.H5Rcreate_object(f.id.id, b'group', 0, buffer), f'r:{group}|r:null'),
                    ('attribute', lambda buffer: hdf5.H5Rcreate_attr(f.id.id, b'data', b'units', 0, buffer),
                     f'ar:{data}:units|r:null'),
                    ('region2', lambda buffer: hdf5.H5Rcreate_region(f.id.id, b'data', space.id, 0, buffer),
                     f'rr:{data}|r:null'),
                ):
                    # Two H5R_ref_t of 64 bytes: the reference, then a null one (whose kind is unknown).
                    buffer = (ctypes.c_ubyte * 128)()
                    assert create(buffer) >= 0
                    two = h5py.h5s.create_simple((2,))
                    dataset = hdf5.H5Dcreate2(f.id.id, name.encode(), reference_type, two.id, 0, 0, 0)
                    assert dataset >= 0 and hdf5.H5Dwrite(dataset, reference_type, 0, 0, 0, buffer) >= 0
                    hdf5.H5Dclose(dataset)
                    expected[name] = [f'[{index}]={leaf}' for index, leaf in enumerate(line.split('|'))]
            return expected

        files = []
        for libver in ('earliest', 'v108', 'latest'):
            path = os.path.join(out_dir, f'{libver}.h5')
            with h5py.File(path, 'w', libver=libver) as f:
                populate(f, libver)
            files.append((libver, path, {}))
        try:
            path = os.path.join(out_dir, 'revised.h5')
            files.append(('revised', path, write_revised_references(path)))
        except (OSError, AttributeError, ValueError, AssertionError):
            pass  # A libhdf5 without revised references, or not found: those tests skip.

        def report(key, f, data, name, obj, expected):
            """Prints what the tests compare for one dataset: its messages, h5py's view of it."""
            messages = header_messages(data, h5py.h5o.get_info(obj.id).addr)
            datatype = next(m for m in messages if m[0] == 3)
            if datatype[1] & 0x02:
                return  # A shared (committed) datatype: the message is a reference to it.
            print(f'dataset {key}/{name}')
            print(f'in {key}')
            print('datatype ' + datatype[2].hex())
            print('dataspace ' + next(b for t, _, b in messages if t == 1).hex())
            try:
                print('dtype ' + json.dumps(describe(obj.dtype), separators=(',', ':')))
            except TypeError:
                print('dtype unsupported')  # h5py has no dtype for revised references.
            print('shape ' + json.dumps(obj.shape if obj.shape is not None else None))
            print('maxshape ' + json.dumps(obj.maxshape))
            offset = obj.id.get_offset()
            if offset is None or obj.shape is None or obj.chunks is not None or obj.size > 10000:
                return
            out = expected.get(name)
            if out is None:
                out = []
                try:
                    values = obj[()]
                except OSError:
                    return  # No conversion h5py knows (a tagged opaque type, for one).
                # One row per element, whatever the dataset's rank; array-type elements keep their shape.
                rows = [values] if obj.shape == () else values.reshape((obj.size,) + values.shape[len(obj.shape):])
                for i, v in enumerate(rows):
                    flatten(f, v, f'[{i}]', out)
            print(f'data {offset} {obj.id.get_storage_size()} {obj.size}')
            for line in out: print('value ' + line)

        for libver, path, expected in files:
            data = open(path, 'rb').read()
            print(f'file {libver} {path}')
            with h5py.File(path, 'r') as f:
                for name in f:
                    if isinstance(f[name], h5py.Dataset):
                        report(libver, f, data, name, f[name], expected)

        # The shared conformance files (other readers' test suites), where present: every dataset in a
        # file whose superblock is at offset 0 with 8-byte offsets and lengths, as far as h5py reads it.
        conformance = sys.argv[2] if len(sys.argv) > 2 else None
        for directory, _, names in (os.walk(conformance) if conformance and os.path.isdir(conformance) else []):
            for file_name in sorted(names):
                path = os.path.join(directory, file_name)
                data = open(path, 'rb').read()
                if not data.startswith(b'\x89HDF\r\n\x1a\n'):
                    continue
                sizes = (data[13], data[14]) if data[8] in (0, 1) else (data[9], data[10])
                if sizes != (8, 8):
                    continue
                key = 'conformance/' + os.path.relpath(path, conformance)
                print(f'file {key} {path}')
                try:
                    f = h5py.File(path, 'r')
                except OSError:
                    continue
                def visit(name, obj):
                    if isinstance(obj, h5py.Dataset):
                        try:
                            report(key, f, data, name, obj, {})
                        except (OSError, TypeError, ValueError, KeyError, StopIteration):
                            pass
                try:
                    f.visititems(visit)
                except (OSError, RuntimeError):
                    pass
                f.close()
        """#
}

/// Runs a Python 3 script and returns its standard output; throws when it fails.
func runPython(_ script: String, arguments: [String] = []) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    return String(decoding: data, as: UTF8.self)
}

/// Bytes from hexadecimal text.
func hexBytes(_ text: some StringProtocol) -> [UInt8] {
    let digits = Array(text.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).compactMap {
        UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)
    }
}
