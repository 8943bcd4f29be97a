"""The malformed-file corpus: damaged copies of the generated fixtures, made deterministically.

Each case is a `Case(name, kind, data, expect)`: `data` the damaged file's bytes, `expect`
either "result-or-error" (any typed error or a result) or "error" (the damage is one a reader
must detect: a checksum, a cycle, an overrun), with `mentions`, words the error must contain.

Kinds (issue 8's list):
- truncate: the file cut at structure boundaries (every structure found, sampled evenly) and
  a few bytes into them.
- checksum-flip: one bit flipped inside a checksummed structure (superblock v2/3, OHDR, OCHK,
  v2 B-tree nodes, fractal heap, fixed and extensible array structures, shared message table).
- flip: one bit flipped anywhere (seeded).
- patch: one field of an object header message rewritten (v1 headers as found; v2 headers
  with their lookup3 checksum recomputed, so that the decoder reaches the field): zero and
  2^63 dimensions, zero and 2^32-1 element sizes, data and index addresses past the end of
  the file, 2^64-2 sizes, huge chunk dimensions, a continuation pointing at its own header, an
  unknown message marked "must understand".
- fan-out: continuation messages appended to the file, each pointing at two further blocks
  (an exponential number of paths over a linear number of blocks), and one pointing at itself.
- chunk: a stored chunk replaced by a deflate stream that inflates far past the chunk's size
  (a 1 KiB stream claiming megabytes), by garbage, or bit-flipped (Fletcher-32 must catch it).

The fixtures are read with h5py only to find where structures are (object header addresses,
chunk locations); the cases themselves are plain bytes.
"""

import random
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import h5py

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "TestData" / "fixtures"

SIGNATURES = [b"OHDR", b"OCHK", b"TREE", b"HEAP", b"SNOD", b"GCOL", b"FRHP", b"FHDB", b"FHIB", b"BTHD",
              b"BTIN", b"BTLF", b"FAHD", b"FADB", b"EAHD", b"EAIB", b"EASB", b"EADB", b"SMTB", b"SMLI"]
# Structures whose every byte a lookup3 checksum covers (FHDB only when the heap asks for it).
CHECKSUMMED = {b"OHDR", b"OCHK", b"BTHD", b"BTIN", b"BTLF", b"FRHP", b"FHIB", b"FAHD", b"FADB", b"EAHD",
               b"EAIB", b"EASB", b"EADB", b"SMTB", b"SMLI"}
SUPERBLOCK = b"\x89HDF\r\n\x1a\n"

TRUNCATIONS_PER_FILE = 16
CHECKSUM_FLIPS_PER_FILE = 12
RANDOM_FLIPS_PER_FILE = 10
PATCHED_FIELDS_PER_FILE = 32


@dataclass
class Case:
    name: str
    kind: str
    data: bytes
    expect: str = "result-or-error"
    mentions: list = field(default_factory=list)


def fixtures():
    """The fixture files the corpus damages (the external-storage side files excluded)."""
    return sorted(p for p in FIXTURES.iterdir() if p.suffix in (".h5", ".nwb") and p.name != "external_target.h5")


def evenly(items, count):
    """At most `count` items, spread evenly over `items`."""
    if len(items) <= count:
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


# --- lookup3 (Bob Jenkins' hashlittle), as the HDF5 format uses it for its checksums ---

def _rot(x, k):
    return ((x << k) | (x >> (32 - k))) & 0xFFFFFFFF


def lookup3(data, initval=0):
    length = len(data)
    a = b = c = (0xDEADBEEF + length + initval) & 0xFFFFFFFF
    M = 0xFFFFFFFF
    i = 0
    while length - i > 12:
        a = (a + int.from_bytes(data[i:i + 4], "little")) & M
        b = (b + int.from_bytes(data[i + 4:i + 8], "little")) & M
        c = (c + int.from_bytes(data[i + 8:i + 12], "little")) & M
        a = (a - c) & M; a ^= _rot(c, 4); c = (c + b) & M
        b = (b - a) & M; b ^= _rot(a, 6); a = (a + c) & M
        c = (c - b) & M; c ^= _rot(b, 8); b = (b + a) & M
        a = (a - c) & M; a ^= _rot(c, 16); c = (c + b) & M
        b = (b - a) & M; b ^= _rot(a, 19); a = (a + c) & M
        c = (c - b) & M; c ^= _rot(b, 4); b = (b + a) & M
        i += 12
    tail = data[i:] + bytes(12 - (length - i))
    if length - i == 0:
        return c
    a = (a + int.from_bytes(tail[0:4], "little")) & M
    b = (b + int.from_bytes(tail[4:8], "little")) & M
    c = (c + int.from_bytes(tail[8:12], "little")) & M
    c ^= b; c = (c - _rot(b, 14)) & M
    a ^= c; a = (a - _rot(c, 11)) & M
    b ^= a; b = (b - _rot(a, 25)) & M
    c ^= b; c = (c - _rot(b, 16)) & M
    a ^= c; a = (a - _rot(c, 4)) & M
    b ^= a; b = (b - _rot(a, 14)) & M
    c ^= b; c = (c - _rot(b, 24)) & M
    return c


# --- where structures are ---

def structure_offsets(data):
    """(offset, signature) of every signed structure, and of the superblock."""
    found = []
    start = data.find(SUPERBLOCK)
    if start >= 0:
        found.append((start, SUPERBLOCK))
    for signature in SIGNATURES:
        position = data.find(signature)
        while position >= 0:
            found.append((position, signature))
            position = data.find(signature, position + 1)
    return sorted(found)


def object_addresses(path):
    """Absolute addresses of every object header (the superblock's base address added)."""
    addresses = set()
    with h5py.File(path, "r") as file:
        base = file.id.get_create_plist().get_userblock()
        addresses.add(h5py.h5o.get_info(file.id).addr + base)
        file.visititems(lambda name, obj: addresses.add(h5py.h5o.get_info(obj.id).addr + base) and None)
    return sorted(addresses), base


@dataclass
class Message:
    type: int
    flags_offset: int
    type_offset: int
    type_width: int
    data_offset: int
    size: int


@dataclass
class Header:
    address: int
    version: int
    messages: list
    checksum_span: tuple = None  # (start, end) of the bytes the checksum covers; checksum at end


def parse_header(data, address):
    """The messages of an object header's first block, or None where the bytes are not one."""
    if data[address:address + 4] == b"OHDR":
        flags = data[address + 5]
        position = address + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
        width = 1 << (flags & 3)
        size = int.from_bytes(data[position:position + width], "little")
        position += width
        end = position + size
        messages = []
        while position + 4 <= end:
            kind, length, mflags = data[position], int.from_bytes(data[position + 1:position + 3], "little"), data[position + 3]
            header_length = 4 + (2 if flags & 0x04 else 0)
            if position + header_length + length > end:
                break
            messages.append(Message(kind, position + 3, position, 1, position + header_length, length))
            position += header_length + length
        return Header(address, 2, messages, (address, end))
    if data[address] != 1:
        return None
    count = int.from_bytes(data[address + 2:address + 4], "little")
    size = int.from_bytes(data[address + 8:address + 12], "little")
    position, end = address + 16, address + 16 + size
    messages = []
    while position + 8 <= end and len(messages) < count:
        kind = int.from_bytes(data[position:position + 2], "little")
        length = int.from_bytes(data[position + 2:position + 4], "little")
        if position + 8 + length > end:
            break
        messages.append(Message(kind, position + 4, position, 2, position + 8, length))
        position += 8 + length
    return Header(address, 1, messages)


def reseal(data, header):
    """Recomputes a version 2 header's checksum after its bytes were changed."""
    if header.checksum_span:
        start, end = header.checksum_span
        data[end:end + 4] = lookup3(bytes(data[start:end])).to_bytes(4, "little")


# --- the cases ---

def truncations(name, data, offsets):
    boundaries = sorted({offset for offset, _ in offsets} | {len(data) // 2, len(data) - 1})
    for offset in evenly(boundaries, TRUNCATIONS_PER_FILE):
        for cut in (offset, offset + 5):
            if 0 < cut < len(data):
                yield Case(f"{name}/truncate@{cut:#x}", "truncate", data[:cut])


def checksum_flips(name, data, offsets, rng):
    candidates = [(o, s) for o, s in offsets if s in CHECKSUMMED or (s == SUPERBLOCK and data[o + 8] >= 2)]
    for offset, signature in evenly(candidates, CHECKSUM_FLIPS_PER_FILE):
        position = offset + (len(signature) + 1 if signature != SUPERBLOCK else 9) + rng.randrange(8)
        bit = rng.randrange(8)
        damaged = bytearray(data)
        damaged[position] ^= 1 << bit
        yield Case(f"{name}/checksum-flip@{position:#x}.{bit}", "checksum-flip", bytes(damaged))


def random_flips(name, data, rng):
    for _ in range(RANDOM_FLIPS_PER_FILE):
        position, bit = rng.randrange(len(data)), rng.randrange(8)
        damaged = bytearray(data)
        damaged[position] ^= 1 << bit
        yield Case(f"{name}/flip@{position:#x}.{bit}", "flip", bytes(damaged))


def field_patches(message, data, file_size, header_address):
    """(label, offset in file, new bytes) for the fields of one message worth breaking."""
    d = message.data_offset
    if message.type == 0x01 and message.size >= 8:  # dataspace
        version, rank = data[d], data[d + 1]
        first = d + (8 if version == 1 else 4)
        if rank >= 1 and first + 8 <= d + message.size:
            yield "zero-dimension", first, (0).to_bytes(8, "little")
            yield "dimension-2^63", first, (1 << 63).to_bytes(8, "little")
            yield "dimension-max", first, (2**64 - 1).to_bytes(8, "little")
        yield "rank-255", d + 1, bytes([255])
    elif message.type == 0x03 and message.size >= 8:  # datatype
        yield "element-size-0", d + 4, (0).to_bytes(4, "little")
        yield "element-size-2^32-1", d + 4, (2**32 - 1).to_bytes(4, "little")
        yield "datatype-class-15", d, bytes([(data[d] & 0xF0) | 0x0F])
    elif message.type == 0x08 and message.size >= 2 and data[d] == 3:  # data layout v3
        layout_class = data[d + 1]
        if layout_class == 1:
            yield "contiguous-address-past-end", d + 2, (file_size + 4096).to_bytes(8, "little")
            yield "contiguous-size-2^64-2", d + 10, (2**64 - 2).to_bytes(8, "little")
        elif layout_class == 2:
            yield "chunk-index-past-end", d + 3, (file_size + 4096).to_bytes(8, "little")
            yield "chunk-index-at-header", d + 3, header_address.to_bytes(8, "little")
            yield "chunk-dimension-2^30", d + 11, (1 << 30).to_bytes(4, "little")
            yield "chunk-dimension-0", d + 11, (0).to_bytes(4, "little")
        elif layout_class == 0:
            yield "compact-size-65535", d + 2, (0xFFFF).to_bytes(2, "little")
    elif message.type == 0x08 and message.size >= 2 and data[d] == 4:  # data layout v4
        if data[d + 1] == 2:
            yield "chunk-dimensionality-0", d + 3, bytes([0])
            yield "chunk-index-type-9", d + 5 + data[d + 3] * data[d + 4], bytes([9])
    elif message.type == 0x10 and message.size >= 16:  # continuation
        yield "continuation-to-own-header", d, header_address.to_bytes(8, "little")
        yield "continuation-length-max", d + 8, (2**64 - 1).to_bytes(8, "little")
        yield "continuation-past-end", d, (file_size + 64).to_bytes(8, "little")
    elif message.type == 0x11 and message.size >= 16:  # symbol table
        yield "symbol-btree-at-header", d, header_address.to_bytes(8, "little")
        yield "symbol-heap-past-end", d + 8, (file_size + 64).to_bytes(8, "little")
    elif message.type == 0x0C and message.size >= 8:  # attribute
        yield "attribute-name-size-max", d + 2, (0xFFFF).to_bytes(2, "little")
        yield "attribute-datatype-size-max", d + 4, (0xFFFF).to_bytes(2, "little")
    elif message.type == 0x02 and message.size >= 16:  # link info
        yield "link-heap-at-header", d + 2 + (8 if data[d + 1] & 1 else 0), header_address.to_bytes(8, "little")


def patches(name, data, addresses):
    file_size = len(data)
    made = 0
    for address in addresses:
        if made >= PATCHED_FIELDS_PER_FILE:
            break
        header = parse_header(data, address)
        if header is None or not header.messages:
            continue
        for message in header.messages:
            for label, offset, value in field_patches(message, data, file_size, address):
                damaged = bytearray(data)
                damaged[offset:offset + len(value)] = value
                reseal(damaged, header)
                made += 1
                yield Case(f"{name}/patch-{label}@{address:#x}", "patch", bytes(damaged))
        # An unknown message type marked "fail if unknown, even read-only" (flags bit 7).
        message = header.messages[0]
        damaged = bytearray(data)
        unknown = 0xF0 if header.version == 2 else 0x00F0
        damaged[message.type_offset:message.type_offset + message.type_width] = unknown.to_bytes(message.type_width, "little")
        damaged[message.flags_offset] |= 0x80
        reseal(damaged, header)
        yield Case(f"{name}/patch-unknown-must-understand@{address:#x}", "patch", bytes(damaged),
                   expect="error", mentions=["must-understand"])


def fan_outs(name, data, addresses):
    """A version 1 header's first message of 16+ bytes becomes a continuation into blocks
    appended to the file; each block's two continuations lead to two more blocks."""
    for address in addresses:
        header = parse_header(data, address)
        if header is None or header.version != 1:
            continue
        target = next((m for m in header.messages if m.size >= 16 and m.type != 0x10), None)
        if target is None:
            continue
        region = (len(data) + 7) // 8 * 8
        slots = 64
        appended = bytearray(region - len(data))
        for slot in range(slots):
            nxt = region + 24 * (slot + 1)
            appended += struct.pack("<HHB3x", 0x10, 16, 0) + struct.pack("<QQ", nxt, 48)
        for label, pointer in (("fan-out", (region, 48)), ("self-continuation", (region + 24 * slots, 24))):
            extra = bytearray(appended)
            if label == "self-continuation":
                own = region + 24 * slots
                extra += struct.pack("<HHB3x", 0x10, 16, 0) + struct.pack("<QQ", own, 24)
            damaged = bytearray(data) + extra
            start = target.type_offset
            damaged[start:start + 2] = (0x10).to_bytes(2, "little")
            damaged[target.data_offset:target.data_offset + 16] = struct.pack("<QQ", *pointer)
            yield Case(f"{name}/{label}@{address:#x}", "fan-out", bytes(damaged))
        return


def chunk_cases(name, path, data):
    """Stored chunks of filtered datasets replaced or damaged."""
    with h5py.File(path, "r") as file:
        base = file.id.get_create_plist().get_userblock()
        targets = []
        for dataset_name in sorted(file):
            dataset = file[dataset_name]
            if not isinstance(dataset, h5py.Dataset) or dataset.chunks is None or dataset.id.get_num_chunks() == 0:
                continue
            info = dataset.id.get_chunk_info(0)
            pipeline = dataset.id.get_create_plist()
            filters = [pipeline.get_filter(i)[0] for i in range(pipeline.get_nfilters())]
            targets.append((dataset_name, info.byte_offset + base, info.size, filters))
    for dataset_name, offset, size, filters in targets:
        def replaced(payload):
            damaged = bytearray(data)
            damaged[offset:offset + size] = payload[:size].ljust(size, b"\0")
            return bytes(damaged)
        if filters == [1] or filters == [2, 1]:  # deflate last applied: an inflation bomb fits
            bomb = zlib.compress(bytes(size * 900), 9)
            if len(bomb) <= size:
                yield Case(f"{name}/chunk-inflation-bomb:{dataset_name}", "chunk", replaced(bomb),
                           expect="error", mentions=["deflate"])
        yield Case(f"{name}/chunk-garbage:{dataset_name}", "chunk",
                   replaced(random.Random(offset).randbytes(size)))
        flipped = bytearray(data)
        flipped[offset + size // 2] ^= 0x10
        if 3 in filters:  # Fletcher-32 must catch any flip
            yield Case(f"{name}/chunk-flip:{dataset_name}", "chunk", bytes(flipped),
                       expect="error", mentions=["fletcher"])
        else:
            yield Case(f"{name}/chunk-flip:{dataset_name}", "chunk", bytes(flipped))


def cases():
    """Every case, in a fixed order."""
    for path in fixtures():
        data = path.read_bytes()
        name = path.name
        rng = random.Random(name)
        offsets = structure_offsets(data)
        addresses, _ = object_addresses(path)
        yield from truncations(name, data, offsets)
        yield from checksum_flips(name, data, offsets, rng)
        yield from random_flips(name, data, rng)
        yield from patches(name, data, addresses)
        yield from fan_outs(name, data, addresses)
        if name.startswith("filters_") or name.startswith("layouts_"):
            yield from chunk_cases(name, path, data)


if __name__ == "__main__":
    from collections import Counter
    all_cases = list(cases())
    print(len(all_cases), Counter(case.kind for case in all_cases))
