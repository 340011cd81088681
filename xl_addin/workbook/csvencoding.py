"""A CSV source in the encoding it was saved in (SPEC §16).

DuckDB reads CSV as UTF-8 only (other encodings are an extension it downloads). Excel saves
"CSV" on a Chinese Windows in GBK, and "Unicode Text" as UTF-16: a CRM export as it comes is
often one of those. Such a file is decoded here, strictly, and read by DuckDB from a UTF-8
copy in a private temporary folder; its places (`orders.csv:17`) still name the file itself.

salesplan's own lists (manifest.csv, passwords.csv), opened and saved again in Excel by the
director, are read the same way (text_of).

The encoding is told from the file's start: a UTF-16 byte-order mark, else its bytes
decoding as UTF-8 (the plain case: nothing is copied), else GB18030 (GBK's superset). A file
that decodes as none of them, or mixes UTF-8 with another encoding, is refused at the line
holding the first bytes that do not decode.
"""

from __future__ import annotations

import codecs
import io
import re
from pathlib import Path

SAMPLE = 1 << 20  # bytes of a file's start that tell UTF-8 from the rest
CHUNK = 4 << 20  # bytes decoded at a time while copying
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
NOTES = {"utf-16": "note_source_utf16", "gb18030": "note_source_gbk"}  # the run log's note
_LONG_UTF8 = re.compile(rb"[\xe0-\xf4][\x80-\xbf]{2}")  # a UTF-8 character of 3+ bytes


class NotText(Exception):
    """A file that is text in none of the encodings tried (`key` "source_not_text"), or UTF-8
    up to a line that is not ("source_mixed_encoding"): at which line (1-based)."""

    def __init__(self, key: str, line: int):
        super().__init__(key, line)
        self.key = key
        self.line = line


def encoding_of(path: str, whole: bool = False) -> str | None:
    """The encoding a file must be decoded from: None for UTF-8 (DuckDB reads it as it is),
    else "utf-16" or "gb18030". Told from its first MiB, or with `whole` from every byte
    (when DuckDB met bytes that are not UTF-8 further down than the first MiB): UTF-8 when
    it all decodes so, else GB18030 — unless a whole line before the bytes that do not decode
    held a character of three bytes or more in UTF-8 (as every Chinese character is): then
    the file mixes two encodings, NotText at the line of those bytes. (A character of GBK is
    two bytes, and a few of them read as UTF-8 too: 贸 is C3 B3, UTF-8's ó, and 慊丁 starts
    with a three-byte one; a whole line of such is all but impossible.)"""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, seen = 1, False  # seen: a whole line held a UTF-8 character of 3+ bytes
    with open(path, "rb") as f:
        chunk = f.read(SAMPLE)
        if chunk.startswith(UTF16_BOMS):
            return "utf-16"
        while chunk:
            try:  # a character cut at a chunk's end is not an error (final=False)
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError as exc:
                data, at = exc.object, exc.start
                if seen or _LONG_UTF8.search(data, 0, data.rfind(b"\n", 0, at) + 1):
                    raise NotText(
                        "source_mixed_encoding", lines + data.count(b"\n", 0, at)
                    ) from None
                return "gb18030"
            seen = seen or _LONG_UTF8.search(chunk, 0, chunk.rfind(b"\n") + 1) is not None
            lines += chunk.count(b"\n")
            chunk = f.read(CHUNK) if whole else b""
    return None


def utf8_copy(path: str, encoding: str, target: Path) -> None:
    """`path` decoded from `encoding`, written to `target` as UTF-8; NotText naming the line
    of the first bytes that are not text in that encoding."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = 1
    with open(path, "rb") as src, open(target, "wb") as out:
        while True:
            chunk = src.read(CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:  # the lines decoded before the bad bytes
                before = exc.object[: exc.start].decode(encoding, errors="ignore")
                raise NotText("source_not_text", lines + before.count("\n")) from None
            out.write(text.encode("utf-8"))
            if not chunk:
                return
            lines += text.count("\n")


def text_of(path: Path) -> io.StringIO:
    """A small CSV's text (salesplan's manifest or password list, perhaps saved again by
    Excel) in the encoding it was saved in, for csv.reader; NotText when it is none."""
    data = Path(path).read_bytes()
    encoding = encoding_of(str(path), whole=True) or "utf-8-sig"  # the mark taken off
    try:
        return io.StringIO(data.decode(encoding), newline="")
    except UnicodeDecodeError as exc:
        raise NotText("source_not_text", data.count(b"\n", 0, exc.start) + 1) from None
