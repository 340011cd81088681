"""A CSV source's encoding told from its bytes, and its UTF-8 copy (csvencoding.py): the text
round-trips whatever the chunks cut, and a bad byte is placed at its line."""

import codecs
import random

import pytest

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
