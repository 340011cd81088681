"""A CSV source's encoding told from its bytes, and its UTF-8 copy (csvencoding.py): the text
round-trips whatever the chunks cut, and a bad byte is placed at its line."""

import codecs
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_addin.workbook import csvencoding
from xl_addin.workbook.csvencoding import SAMPLE, NotText, encoding_of, utf8_copy

CHINESE = "订单日期,金额,区域,客户名称\n2026-01-05,120万,华东,上海某某科技有限公司\n"


def written(tmp_path, data: bytes, name="x.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CHINESE.encode("utf-8"), None),
        (codecs.BOM_UTF8 + CHINESE.encode("utf-8"), None),  # Excel's "CSV UTF-8"
        (CHINESE.encode("gb18030"), "gb18030"),  # Excel's "CSV" on a Chinese Windows
        (CHINESE.encode("gbk"), "gb18030"),
        # GBK whose first character is UTF-8 too (贸 is C3 B3, UTF-8's ó): told by the line
        ("贸易公司,金额\n上海,1\n".encode("gbk"), "gb18030"),
        ("Customer,Amount\n贸易公司,1\n".encode("gbk"), "gb18030"),
        ("Customer,Amount\n贸,1\n订单,2\n".encode("gbk"), "gb18030"),  # a line of UTF-8 too
        (",慊丁\n".encode("gbk"), "gb18030"),  # E6 85 B6: a three-byte UTF-8 character
        (CHINESE.encode("utf-16"), "utf-16"),  # Excel's "Unicode Text": with its mark
        (CHINESE.encode("utf-16-be").join([codecs.BOM_UTF16_BE, b""]), "utf-16"),
        (b"Period,Amount\n2026-01-05,100\n", None),
    ],
)
def test_the_encoding_is_told_from_the_first_bytes_beyond_ascii(tmp_path, data, encoding):
    assert encoding_of(written(tmp_path, data)) == encoding


def test_a_utf8_character_cut_by_the_sample_is_still_utf8(tmp_path):
    head = b"a" * (SAMPLE - 1)  # the sample ends after the first byte of 订
    path = written(tmp_path, head + "订单\n".encode())
    assert encoding_of(path) is None and encoding_of(path, whole=True) is None


def test_gbk_beyond_an_ascii_first_mib_is_found_only_when_the_whole_file_is_read(tmp_path):
    ascii_rows = b"2026-01-05,100,North\n" * (SAMPLE // 20)
    path = written(
        tmp_path, b"Period,Amount,Region\n" + ascii_rows + "2026-01-06,1,华东\n".encode("gbk")
    )
    assert encoding_of(path) is None  # DuckDB then meets it: Source.reopen reads it whole
    assert encoding_of(path, whole=True) == "gb18030"


@pytest.mark.parametrize("whole", [False, True])
def test_utf8_then_another_encoding_is_refused_at_the_line_that_changes(tmp_path, whole):
    lines = [CHINESE.encode()] + [b"2026-01-05,100,North\n"] * 5
    path = written(tmp_path, b"".join(lines) + "2026-01-06,1,华东\n".encode("gbk"))
    with pytest.raises(NotText) as caught:
        encoding_of(path, whole)
    assert (caught.value.key, caught.value.line) == ("source_mixed_encoding", 8)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16"])
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 4096])
def test_the_utf8_copy_is_the_text_whatever_the_chunks_cut(tmp_path, monkeypatch, encoding, chunk):
    monkeypatch.setattr(csvencoding, "CHUNK", chunk)
    rng = random.Random(chunk)
    alphabet = "订单日期金额区域华东华北客户€é ,;\n0123456789abcXYZ\u4e00\u9fa5\U00020000"
    text = "".join(rng.choice(alphabet) for _ in range(5000))
    source = written(tmp_path, text.encode(encoding))
    copy = tmp_path / "copy.csv"
    utf8_copy(source, encoding, copy)
    assert copy.read_bytes() == text.encode("utf-8")


@pytest.mark.parametrize("chunk", [1, 5, 4096])
def test_bytes_of_no_encoding_are_placed_at_their_line(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(csvencoding, "CHUNK", chunk)
    data = "订单日期,金额\n2026-01-05,华东\n2026-01-06,".encode("gb18030") + b"\x80\xff\n"
    path = written(tmp_path, data)
    assert encoding_of(path) == "gb18030"
    with pytest.raises(NotText) as caught:
        utf8_copy(path, "gb18030", tmp_path / "copy.csv")
    assert (caught.value.key, caught.value.line) == ("source_not_text", 3)


_GB_CHARS = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)  # all in GBK


def _also_utf8(c: str) -> bool:
    try:
        c.encode("gbk").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# characters whose GBK bytes are UTF-8 too (贸: C3 B3, ó): the hard case, drawn often
_TWO_WAY = [chr(c) for c in range(0x4E00, 0x9FA6) if _also_utf8(chr(c))]
_CELLS = st.text(
    alphabet=st.one_of(_GB_CHARS, st.sampled_from(_TWO_WAY), st.sampled_from("abcXYZ019 .-")),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_CELLS, min_size=2, max_size=4), min_size=1, max_size=30))
def test_gbk_and_utf8_files_of_chinese_text_are_told_apart(tmp_path_factory, rows):
    """Any CSV of Chinese text saved in GBK is read as GB18030 (or, when every line beyond
    ASCII happens to be UTF-8 too, as UTF-8), never refused; saved in UTF-8, as UTF-8."""
    text = "".join(",".join(row) + "\n" for row in rows)
    folder = tmp_path_factory.mktemp("enc")
    for encoding in ("gbk", "utf-8"):
        data = text.encode(encoding)
        path = written(folder, data, f"{encoding}.csv")
        told = encoding_of(path, whole=True)
        if encoding == "utf-8" or _all_utf8(data):
            assert told is None
        else:
            assert told == "gb18030"
            copy = folder / "copy.csv"
            utf8_copy(path, told, copy)
            assert copy.read_text(encoding="utf-8") == text


def _all_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_no_room_for_the_utf8_copy_is_a_problem_at_the_source_cell(tmp_path, monkeypatch):
    """A GBK export whose copy cannot be written (a full disk) is the Source cell's problem,
    its temporary folder removed, not a crash."""
    from xl_addin.workbook import sources

    (tmp_path / "orders.csv").write_bytes(CHINESE.encode("gbk"))

    def full(path, encoding, target):
        target.write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    made = []
    monkeypatch.setattr(sources, "utf8_copy", full)
    real_mkdtemp = sources.tempfile.mkdtemp
    monkeypatch.setattr(
        sources.tempfile, "mkdtemp", lambda **kw: made.append(real_mkdtemp(**kw)) or made[-1]
    )
    where = {"table": ("Sources", "A2"), "source": ("Sources", "B2")}
    row = {"table": "tblHistory", "source": "orders.csv", "query": None}
    with pytest.raises(sources.SourceError) as caught:
        sources.open_source(row, tmp_path, where)
    (problem,) = caught.value.problems
    assert (problem.sheet, problem.cell) == ("Sources", "B2")
    assert problem.message.key == "source_unreadable"
    assert "No space left on device" in dict(problem.message.fields)["error"]
    assert made and not any(Path(d).exists() for d in made)
