"""Writing a package: unchanged members are copied compressed, as they are; the rest are
written anew, with a fixed time so reruns are byte-identical. A member written anew is bytes,
or a Stream: its bytes made piece by piece while it is written (a sheet of a million rows).
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

from xl_addin.workbook.opc import Package

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every part we write; no clock, so reruns are byte-identical
ZIP64_FROM = 1 << 30  # a stream whose source is this large may pass 4 GiB: sizes as ZIP64


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
    if isinstance(data, Stream):  # as writestr writes, a piece at a time
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
    with z._lock:
        z.fp.seek(z.start_dir)
        copied.header_offset = z.fp.tell()
        z._writecheck(copied)
        z._didModify = True
        z.fp.write(copied.FileHeader(None))
        z.fp.write(data)
        z.filelist.append(copied)
        z.NameToInfo[copied.filename] = copied
        z.start_dir = z.fp.tell()


_RAW_COPY = all(hasattr(zipfile.ZipFile, a) for a in ("_writecheck",)) and hasattr(
    zipfile.ZipInfo, "FileHeader"
)
