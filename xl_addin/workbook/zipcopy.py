"""Writing a package: unchanged members are copied compressed, as they are; the rest are
written anew, with a fixed time so reruns are byte-identical. A member written anew is bytes,
or a Stream: its bytes made piece by piece while it is written (a sheet of a million rows).

A large Stream is deflated on every core, as pigz does: its bytes in blocks of a MiB, each
block deflated on its own (primed with the 32 KiB before it, so it compresses as well as one
stream) and ended on a byte boundary (a sync flush), the blocks joined in order, then one
empty last block. That is one valid deflate stream; zlib releases the GIL while it deflates,
so the blocks are deflated in threads while the sheet's next bytes are made. The same bytes
give the same blocks: reruns stay byte-identical.
"""

from __future__ import annotations

import collections
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

from xl_addin.workbook.opc import Package

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every part we write; no clock, so reruns are byte-identical
ZIP64_FROM = 1 << 30  # a stream whose source is this large may pass 4 GiB: sizes as ZIP64
PARALLEL_FROM = 1 << 23  # a stream whose source is this large is deflated on every core
BLOCK = 1 << 20  # bytes deflated at a time, then
WINDOW = 1 << 15  # deflate's window: each block is primed with the bytes before it
LAST_BLOCK = b"\x03\x00"  # an empty final block (what zlib's Z_FINISH adds after a flush)


@dataclass(frozen=True)
class Stream:
    """A member's bytes, made piece by piece when it is written; `size` is what it is made
    from (a rendered sheet's), to tell whether it may need ZIP64 sizes."""

    pieces: Callable[[], Iterable[bytes]]
    size: int


def write_zip(
    user: Package,
    raw: BinaryIO,
    written: dict[str, bytes | Stream],
    removed: set[str],
    out: BinaryIO,
) -> None:
    done = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in user.infos:
            if info.filename in removed or info.filename in done:
                continue
            if info.filename in written:
                _write_new(z, info.filename, written[info.filename])
            else:
                _copy(z, user.zip, raw, info)
            done.add(info.filename)
        for name, data in written.items():
            if name not in done:
                _write_new(z, name, data)


def _write_new(z: zipfile.ZipFile, name: str, data: bytes | Stream) -> None:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    if isinstance(data, Stream) and data.size >= PARALLEL_FROM and _RAW_COPY:
        blocks, crc, size = _deflated(data.pieces())
        info.CRC, info.file_size = crc, size
        info.compress_size = sum(map(len, blocks))
        _append(z, info, blocks)
    elif isinstance(data, Stream):  # as writestr writes, a piece at a time
        with z.open(info, "w", force_zip64=data.size >= ZIP64_FROM) as member:
            for piece in data.pieces():
                member.write(piece)
    else:
        z.writestr(info, data)


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


def _copy(
    z: zipfile.ZipFile, source: zipfile.ZipFile, raw: BinaryIO, info: zipfile.ZipInfo
) -> None:
    """Copy a member without inflating and deflating it again (a long history is most of the file).

    zipfile has no public way to add compressed bytes, so this does what ZipFile.writestr does
    after compressing; anything unusual (encrypted, other compression) is copied the slow way.
    """
    if (
        info.flag_bits & 0x1
        or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        or not _RAW_COPY
    ):
        copied = zipfile.ZipInfo(info.filename, info.date_time)
        copied.compress_type = zipfile.ZIP_DEFLATED
        copied.external_attr = info.external_attr
        z.writestr(copied, source.read(info))
        return
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    raw.seek(info.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1])
    data = raw.read(info.compress_size)
    if len(data) != info.compress_size:
        raise zipfile.BadZipFile(f"truncated member {info.filename}")
    copied = zipfile.ZipInfo(info.filename, info.date_time)
    copied.compress_type = info.compress_type
    copied.create_system = info.create_system
    copied.external_attr = info.external_attr
    copied.internal_attr = info.internal_attr
    copied.flag_bits = info.flag_bits & 0x06  # keep the deflate level bits; no data descriptor
    copied.CRC, copied.compress_size, copied.file_size = (
        info.CRC,
        info.compress_size,
        info.file_size,
    )
    _append(z, copied, [data])


def _append(z: zipfile.ZipFile, info: zipfile.ZipInfo, data: list[bytes]) -> None:
    """Add a member whose compressed bytes (`data`), CRC and sizes `info` holds already: what
    ZipFile.writestr does after compressing (ZIP64 sizes when they need it)."""
    with z._lock:
        z.fp.seek(z.start_dir)
        info.header_offset = z.fp.tell()
        z._writecheck(info)
        z._didModify = True
        z.fp.write(info.FileHeader(None))
        for piece in data:
            z.fp.write(piece)
        z.filelist.append(info)
        z.NameToInfo[info.filename] = info
        z.start_dir = z.fp.tell()


def _deflated(pieces: Iterable[bytes]) -> tuple[list[bytes], int, int]:
    """The pieces' bytes as one raw deflate stream in blocks (the module says how), their
    CRC-32 and their size."""
    workers = os.cpu_count() or 1
    blocks: list[bytes] = []
    crc = size = 0
    window = b""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: collections.deque = collections.deque()
        for block in _blocks(pieces):
            crc, size = zlib.crc32(block, crc), size + len(block)
            pending.append(pool.submit(_deflate, block, window))
            window = (window + block)[-WINDOW:] if len(block) < WINDOW else block[-WINDOW:]
            while len(pending) > 2 * workers:  # a few blocks ahead, not the whole sheet
                blocks.append(pending.popleft().result())
        blocks.extend(f.result() for f in pending)
    blocks.append(LAST_BLOCK)
    return blocks, crc, size


def _deflate(block: bytes, window: bytes) -> bytes:
    """One block of the stream: deflated (zlib's default level, as ZipFile's), primed with
    the window before it, ended on a byte boundary."""
    if window:
        deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15, zdict=window)
    else:
        deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return deflate.compress(block) + deflate.flush(zlib.Z_SYNC_FLUSH)


def _blocks(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The pieces joined or cut into blocks of BLOCK bytes (the last may be shorter)."""
    held, n = [], 0
    for piece in pieces:
        held.append(piece)
        n += len(piece)
        if n >= BLOCK:
            joined = b"".join(held)
            cut = len(joined) - len(joined) % BLOCK
            for at in range(0, cut, BLOCK):
                yield joined[at : at + BLOCK]
            held, n = ([joined[cut:]], len(joined) - cut) if cut < len(joined) else ([], 0)
    if n:
        yield b"".join(held)


_RAW_COPY = all(hasattr(zipfile.ZipFile, a) for a in ("_writecheck",)) and hasattr(
    zipfile.ZipInfo, "FileHeader"
)
