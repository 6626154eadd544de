#!/usr/bin/env python3
"""Writes the malformed Chakra traces of tests/data/bad/ (chakra_*.et).

Run from the repository root: python3 tests/data/bad/make_chakra_bad.py
The output is deterministic; the files are committed, so the tests never
run this. Encoding: protobuf wire format by hand (schema: chakra
schema/protobuf/et_def.proto), each message prefixed by its varint length.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def vfield(field, v):  # wire type 0
    return key(field, 0) + varint(v)


def lfield(field, data):  # wire type 2
    return key(field, 2) + varint(len(data)) + data


def attr_int64(name, v):  # AttributeProto{name = 1, int64_val = 9}
    return lfield(10, lfield(1, name.encode()) + vfield(9, v))


def node(nid, ntype, data_deps=(), dur=None, attrs=b""):
    m = vfield(1, nid) + lfield(2, b"n%d" % nid) + vfield(3, ntype)
    if data_deps:
        m += lfield(5, b"".join(varint(d) for d in data_deps))  # packed
    if dur is not None:
        m += vfield(7, dur)
    return m + attrs


def framed(msg):
    return varint(len(msg)) + msg


METADATA = framed(lfield(1, b"0.0.4"))  # GlobalMetadata{version = "0.0.4"}
COMP, COLL = 4, 7


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


# A node whose last varint (duration_micros) is cut by the end of its message.
cut = node(1, COMP) + key(7, 0) + b"\x80\x80"
write("chakra_truncated_varint.0.et", METADATA + framed(cut))

# The file ends inside the length prefix of its second node.
write("chakra_truncated_length.0.et", METADATA + framed(node(1, COMP, dur=5)) + b"\x80")

# Node id 2 depends on id 99, which no node has.
write("chakra_missing_dep.0.et",
      METADATA + framed(node(1, COMP, dur=1)) + framed(node(2, COMP, data_deps=[1, 99], dur=1)))

# ids 10 -> 12 -> 11 -> 10 ("->": depends on), and an innocent id 13.
write("chakra_cycle.0.et",
      METADATA + framed(node(10, COMP, data_deps=[12], dur=1))
      + framed(node(11, COMP, data_deps=[10], dur=1))
      + framed(node(12, COMP, data_deps=[11], dur=1))
      + framed(node(13, COMP, dur=1)))

# A node message announcing 200 bytes where 10 remain.
write("chakra_past_end.0.et", METADATA + varint(200) + node(1, COMP, dur=7)[:10])

# A field of wire type 3 (a proto2 group start), which proto3 never writes.
write("chakra_wire_type.0.et", METADATA + framed(node(1, COMP, dur=1) + key(6, 3)))

# An all-reduce with no comm_size.
write("chakra_no_comm_size.0.et",
      METADATA + framed(node(5, COLL, attrs=attr_int64("comm_type", 0))))

# Ranks 0, 1, 2 and 4: rank 3 is missing.
ok = METADATA + framed(node(1, COMP, dur=1))
for r in (0, 1, 2, 4):
    write("chakra_gap.%d.et" % r, ok)
