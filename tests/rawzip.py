"""A zip written field by field, for tests of damaged packages: it can hold what zipfile would
refuse to write (a wrong CRC, a cut deflate stream, one name twice)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterable, Sequence


def raw_zip(items: Iterable[Sequence], deflated: Callable[[str, bytes], bytes]) -> bytes:
    """Items are (name, data, method, crc, raw): crc None is the data's own, raw None is the
    data as `method` stores it (`deflated(name, data)` for a deflated member)."""
    items = list(items)
    out, central = bytearray(), bytearray()
    for name, data, method, crc, raw in items:
        n = name.encode()
        if raw is None:
            raw = deflated(name, data) if method else data
        crc = zlib.crc32(data) if crc is None else crc
        offset = len(out)
        fields = (20, 0x800, method, 0, 0x21, crc, len(raw), len(data), len(n))  # UTF-8 names
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + n + raw
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, offset) + n
    start = len(out)
    out += central + struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(items), len(items), len(central), start, 0
    )
    return bytes(out)
