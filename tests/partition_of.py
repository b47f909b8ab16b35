"""partition_of.py N FILE_1 ... FILE_N: checks that every row of FILE_I, a
TSV with a header naming customer_id (and brand, where it has one), belongs
to hash partition I of N as crm-agg(1) documents it: floor(XXH3_64(key) * N /
2^64) + 1, the key being brand NUL customer_id, or customer_id. XXH3 comes
from the xxHash library through ctypes, independently of the tools. Prints
"ROWS rows, BAD in another partition"."""
import ctypes
import ctypes.util
import sys

lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
lib.XXH3_64bits.restype = ctypes.c_uint64
lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
n = int(sys.argv[1])
seen = bad = 0
for i, path in enumerate(sys.argv[2:], 1):
    with open(path, "rb") as f:
        head = next(f).rstrip(b"\n").split(b"\t")
        ci = head.index(b"customer_id")
        bi = head.index(b"brand") if b"brand" in head else None
        for line in f:
            fields = line.rstrip(b"\n").split(b"\t")
            key = fields[ci] if bi is None else fields[bi] + b"\0" + fields[ci]
            seen += 1
            bad += (lib.XXH3_64bits(key, len(key)) * n >> 64) + 1 != i
print(f"{seen} rows, {bad} in another partition")
