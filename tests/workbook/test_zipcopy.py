"""A large sheet is deflated on every core, in blocks (zipcopy.py): the member holds exactly
the sheet's bytes, read back by Python's zipfile (its CRC checked), by calamine's own
inflater (Rust) and by LibreOffice, compresses as well as one stream, and a rerun writes the
same bytes."""

from __future__ import annotations

import io
import random
import zipfile
import zlib

import pytest
from python_calamine import CalamineWorkbook

from tests.examples import new_example
from tests.libreoffice import opens_cleanly
from xl_addin.cli import main
from xl_addin.workbook import zipcopy
from xl_addin.workbook.zipcopy import Stream, _write_new


def sheet_xml(rows: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    return b"".join(
        b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d"><v>%.2f</v></c></row>'
        % (i, i, rng.randrange(500), i, rng.random() * 1e6)
        for i in range(1, rows + 1)
    )


def pieces_of(data: bytes, sizes: list[int]) -> list[bytes]:
    """`data` cut into pieces of the given sizes, in turn (0: an empty piece)."""
    out, at, k = [], 0, 0
    while at < len(data):
        size = sizes[k % len(sizes)]
        out.append(data[at : at + size])
        at, k = at + size, k + 1
    return out


def written(members: dict[str, tuple[list[bytes], int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, (pieces, size) in members.items():
            _write_new(z, name, Stream(lambda p=pieces: iter(p), size))
    return buffer.getvalue()


@pytest.fixture
def small_blocks(monkeypatch):
    """Every stream deflated in blocks, of 64 KiB: many blocks, each primed with a window."""
    monkeypatch.setattr(zipcopy, "PARALLEL_FROM", 0)
    monkeypatch.setattr(zipcopy, "BLOCK", 1 << 16)


# pieces that end inside a block, on a block's end, across several blocks; empty ones
@pytest.mark.parametrize("sizes", [[1 << 16], [1000, 0, 70_000], [7], [300_000, 1, 65_535]])
def test_the_member_holds_exactly_the_streams_bytes(small_blocks, sizes):
    data = sheet_xml(30_000)
    package = written({"xl/worksheets/sheet1.xml": (pieces_of(data, sizes), len(data))})
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        assert z.testzip() is None
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size == len(data) and info.CRC == zlib.crc32(data)
        assert z.read(info) == data
        raw = package[info.header_offset + 30 + len(info.filename) + len(info.extra) :]
        inflate = zlib.decompressobj(-15)
        assert inflate.decompress(raw[: info.compress_size]) == data and inflate.eof


def test_an_empty_stream_is_an_empty_member(small_blocks):
    with zipfile.ZipFile(io.BytesIO(written({"a.xml": ([], 0), "b.xml": ([b""], 0)}))) as z:
        assert z.read("a.xml") == z.read("b.xml") == b""


def test_blocks_compress_as_well_as_one_stream_and_reruns_are_identical(small_blocks):
    data = sheet_xml(30_000)
    blocks = written({"s.xml": ([data], len(data))})
    assert written({"s.xml": (pieces_of(data, [12_345]), len(data))}) == blocks
    one = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    single = len(one.compress(data) + one.flush())
    with zipfile.ZipFile(io.BytesIO(blocks)) as z:
        size = z.getinfo("s.xml").compress_size
    # the window carried over: no block starts cold (cold, these blocks take 1.1 % more)
    assert abs(size - single) <= single // 500


def test_a_plan_written_with_every_sheet_in_blocks_reads_the_same(tmp_path, monkeypatch):
    plan = new_example(tmp_path / "plan.xlsx")
    blocks = tmp_path / "blocks.xlsx"
    blocks.write_bytes(plan.read_bytes())
    assert main(["decompose", str(plan)]) == 0
    monkeypatch.setattr(zipcopy, "PARALLEL_FROM", 0)
    monkeypatch.setattr(zipcopy, "BLOCK", 1 << 12)
    assert main(["decompose", str(blocks)]) == 0
    with zipfile.ZipFile(plan) as one, zipfile.ZipFile(blocks) as other:
        assert other.testzip() is None
        assert one.namelist() == other.namelist()
        for name in one.namelist():
            assert one.read(name) == other.read(name), name
    opens_cleanly(blocks)  # LibreOffice inflates it with zlib, as Excel reads a zip
    # calamine inflates with its own (Rust) code: every sheet's cells as from the serial write
    serial, parallel = (CalamineWorkbook.from_path(str(p)) for p in (plan, blocks))
    assert serial.sheet_names == parallel.sheet_names
    for name in serial.sheet_names:
        cells = serial.get_sheet_by_name(name).to_python()
        assert parallel.get_sheet_by_name(name).to_python() == cells, name
