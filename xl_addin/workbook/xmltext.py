"""XML edited as text, so markup salesplan does not know survives: prefixes, attributes,
encodings and escaping.
"""

from __future__ import annotations

import codecs
import re

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


# One start tag's attributes, with quoted values that may hold '>' or '/'.
ATTRS = r"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""


def prefix(text: str, root: str) -> str:
    """'x:' when the document writes its main namespace with a prefix, else ''."""
    m = re.search(rf"<(?:([\w.-]+):)?{root}(?=[\s/>])", text)
    return f"{m.group(1)}:" if m and m.group(1) else ""


def attributes(text: str) -> dict[str, str]:
    return {
        k: a if a or not b else b
        for k, a, b in re.findall(r"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""", text)
    }


def decode(data: bytes) -> tuple[str, bool]:
    """Text of an XML part and whether it declared UTF-16 (then it is written back as UTF-8)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), True
    return data.decode("utf-8-sig"), False


def encode(text: str, was_utf16: bool) -> bytes:
    if was_utf16:
        text = re.sub(r"""(<\?xml[^>]*encoding\s*=\s*["'])[^"']*""", r"\1UTF-8", text, count=1)
    return text.encode("utf-8")


def esc(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        .replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")
    )  # fmt: skip


def esc_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
