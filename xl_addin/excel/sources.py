"""The text sources of salesplan's Excel front end (templates/excel), filled in per locale.

The VBA module, the ribbon XML and their labels are kept as reviewable text; this module
turns them into what goes into a file. VBA source is stored in the project's code page
(Western for xlwings' templates), so any text that is not ASCII is written as ChrW codes.
"""

from __future__ import annotations

import functools
import string
import tomllib
from xml.sax.saxutils import escape

import xlwings

from engine.settings import LOCALES
from xl_addin import bundled

TEMPLATES = bundled.TEMPLATES / "excel"

# The buttons (SPEC §10): label key, the VBA Sub the button runs, the entry point in
# xl_addin.excel.buttons that the Sub runs through RunPython (None: answered in VBA).
BUTTONS_MODULE = "xl_addin.excel.buttons"
BUTTONS: tuple[tuple[str, str, str | None], ...] = (
    ("decompose", "SalesplanDecompose", "decompose"),
    ("track", "SalesplanTrack", "track"),
    ("issue_workbooks", "SalesplanIssueWorkbooks", "issue_workbooks"),
    ("send", "SalesplanSend", "send"),
    ("recalibrate", "SalesplanRecalibrate", "recalibrate"),
    ("collect", "SalesplanCollect", "collect"),
    ("scenarios", "SalesplanScenarios", "scenarios"),
    ("help", "SalesplanHelp", None),
)
VBA_MODULE = "Salesplan"  # the module name inside the VBA project

_VBA_LINE = 800  # VBA allows 1023 characters a line; stay well under it


@functools.cache
def _catalogue() -> dict[str, dict[str, str]]:
    with (TEMPLATES / "labels.toml").open("rb") as fh:
        return tomllib.load(fh)


def labels(locale: str) -> dict[str, str]:
    """The Excel front end's labels in one locale."""
    if locale not in LOCALES:
        raise ValueError(f"locale {locale!r}: choose one of {', '.join(LOCALES)}")
    return dict(_catalogue()[locale])


def ribbon_xml(locale: str) -> bytes:
    """The customUI14 part of salesplan.xlam, labelled in `locale`."""
    text = (TEMPLATES / "ribbon.xml").read_text(encoding="utf-8")
    values = {k: escape(v, {'"': "&quot;"}) for k, v in labels(locale).items()}
    return string.Template(text).substitute(values).encode("utf-8")


def salesplan_module(locale: str) -> str:
    """Source of the Salesplan VBA module: the buttons' Subs, ribbon callbacks and Help."""
    text = (TEMPLATES / "salesplan.bas").read_text(encoding="ascii")
    help_text = labels(locale)["help_text"].strip("\n") + f"\n\n(xlwings VBA {xlwings.__version__})"
    source = string.Template(text).substitute(
        xlwings_version=xlwings.__version__,
        help_text=vba_build_string("s", help_text, indent="    "),
    )
    return source.replace("\r\n", "\n").replace("\n", "\r\n")


def vba_build_string(variable: str, text: str, indent: str = "") -> str:
    """VBA statements that set `variable` to `text`, any script, in any VBA code page.

    ASCII runs become string literals, other characters ChrW(code), lines join with vbLf;
    one statement per piece of at most ~800 characters, so no VBA line limit is reached.
    """
    pieces: list[str] = []
    for i, line in enumerate(text.split("\n")):
        if i:
            pieces.append("vbLf")
        pieces.extend(_vba_line_pieces(line))
    statements, current = [], ""
    for piece in pieces:
        if current and len(current) + len(piece) + 3 > _VBA_LINE:
            statements.append(current)
            current = ""
        current = f"{current} & {piece}" if current else piece
    if current:
        statements.append(current)
    lines = [f'{indent}{variable} = ""'] + [
        f"{indent}{variable} = {variable} & {s}" for s in statements
    ]
    return "\n".join(lines)


def _vba_line_pieces(line: str) -> list[str]:
    pieces, literal = [], ""
    for ch in line:
        if " " <= ch <= "~":
            literal += '""' if ch == '"' else ch
            if len(literal) >= 200:
                pieces.append(f'"{literal}"')
                literal = ""
        else:
            if literal:
                pieces.append(f'"{literal}"')
                literal = ""
            code = ord(ch)
            if code > 0xFFFF:  # outside the BMP: a UTF-16 surrogate pair
                code -= 0x10000
                pieces += [f"ChrW({0xD800 + (code >> 10)})", f"ChrW({0xDC00 + (code & 0x3FF)})"]
            else:
                pieces.append(f"ChrW({code})")
    if literal:
        pieces.append(f'"{literal}"')
    return pieces


def check_ascii(name: str, source: str) -> None:
    """VBA source must be ASCII: anything else turns into '?' in the project's code page."""
    bad = next((ch for ch in source if ord(ch) > 126 and ch not in "\r\n\t"), None)
    if bad is not None:
        raise ValueError(f"VBA module {name}: {bad!r} is not ASCII; write it as ChrW({ord(bad)})")
