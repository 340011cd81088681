"""A rendered sheet is rewritten into the user's package a few megabytes at a time
(sheetparts.sheet_chunks): however it is cut, the result is the sheet rewritten whole."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest

from xl_addin.sheets.description import Block, Col, OutputSheet
from xl_addin.sheets.render import render
from xl_addin.workbook import sheetparts
from xl_addin.workbook.opc import Package


def _whole(data: bytes, strings, xf, dxf, selected: bool) -> bytes:
    """The rewrite done on the whole sheet at once, as the splice did before it streamed."""
    start, end = data.find(b"<sheetData>"), data.find(b"</sheetData>")
    head, body, tail = data[:start], data[start:end], data[end:]

    def cell(m):
        ref, style, shared, index = m.groups()
        out = b'<c r="' + ref + b'"'
        if style is not None:
            out += b' s="%d"' % xf[int(style)]
        if shared:
            out += b' t="inlineStr"><is>' + strings[int(index)] + b"</is></c>"
        return out

    body = re.sub(
        rb'<c r="([A-Z]+[0-9]+)"(?: s="([0-9]+)")?( t="s"><v>([0-9]+)</v></c>)?', cell, body
    )
    head = head.replace(b' tabSelected="1"', b"")
    if selected:
        head = head.replace(b"<sheetView ", b'<sheetView tabSelected="1" ', 1)
    head = re.sub(
        rb'(<col [^>]*?style=")([0-9]+)(")',
        lambda m: m.group(1) + b"%d" % xf[int(m.group(2))] + m.group(3),
        head,
    )
    tail = re.sub(rb'dxfId="([0-9]+)"', lambda m: b'dxfId="%d"' % dxf[int(m.group(1))], tail)
    return head + body + tail


@pytest.fixture(scope="module")
def rendered():
    frame = pd.DataFrame(
        {
            "rep": [f"S{i:03d}" for i in range(300)],
            "name": [f"名字 <{i % 7}> & co" for i in range(300)],
            "target": [i * 1000.5 for i in range(300)],
        }
    )
    cols = (Col("rep", "RepID"), Col("name", "Name"), Col("target", "Target", "#,##0.00"))
    sheet = OutputSheet(
        "Long", "Long", (Block("tblLong", cols, frame, title="A long one", status="target"),)
    )
    with zipfile.ZipFile(io.BytesIO(render([sheet]))) as z:
        made = Package(z)
        part = "xl/worksheets/sheet1.xml"
        strings = sheetparts.shared_strings(made, "xl/workbook.xml")
        return z.read(part), strings


@pytest.mark.parametrize("piece", [1, 7, 1000, 1 << 20])
@pytest.mark.parametrize("selected", [False, True])
def test_the_sheet_rewritten_piece_by_piece_is_the_sheet_rewritten_whole(
    rendered, monkeypatch, piece, selected
):
    data, strings = rendered
    assert len(strings) > 300 and b"<sheetData>" in data
    xf = {k: 100 + 3 * k for k in range(50)}
    dxf = {k: 7 + k for k in range(5)}
    monkeypatch.setattr(sheetparts, "CHUNK", 64)  # cut after nearly every row
    pieces = [data[i : i + piece] for i in range(0, len(data), piece)]
    out = list(sheetparts.sheet_chunks(pieces, strings, xf, dxf, selected))
    assert b"".join(out) == _whole(data, strings, xf, dxf, selected)
    if piece < 1000:
        assert len(out) > 100  # given back a piece at a time, not whole
    assert b'dxfId="7"' in b"".join(out) and b't="inlineStr"' in b"".join(out)


def test_a_sheet_without_rows_is_its_head():
    data = b'<worksheet><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews><sheetData/></worksheet>'
    out = b"".join(sheetparts.sheet_chunks([data[:20], data[20:]], [], {}, {}, False))
    assert out == data.replace(b' tabSelected="1"', b"")
