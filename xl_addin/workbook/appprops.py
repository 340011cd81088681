"""docProps/app.xml kept true to the workbook after the splice adds sheets (ECMA-376 Part 1 §22.2).

Excel lists the workbook's sheets and names in the extended properties (TitlesOfParts, counted
per kind in HeadingPairs); file browsers and search indexers show that list without opening
the workbook. Only those two elements are rewritten, as text; the rest of the part (company,
application, custom markup) is kept as it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xl_addin.workbook.opc import DOC_RELS, MAIN, Package, Rel, parse
from xl_addin.workbook.xmltext import ATTRS, decode, encode, esc

REL_EXTENDED = DOC_RELS + "/extended-properties"
REL_CHARTSHEET = DOC_RELS + "/chartsheet"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
# The labels Excel writes in an English workbook; a workbook's own labels are kept.
LABELS = {"sheets": "Worksheets", "charts": "Charts", "names": "Named Ranges"}
KINDS = tuple(LABELS)


def app_properties_part(package: Package) -> str | None:
    """The extended-properties part of the package, or None."""
    return next(
        (
            r.part
            for r in package.rels("")
            if r.type == REL_EXTENDED and r.part and package.has(r.part)
        ),
        None,
    )


def app_properties(app_xml: bytes, workbook_xml: bytes, workbook_rels: Sequence[Rel]) -> bytes:
    """app.xml with HeadingPairs and TitlesOfParts listing the sheets and names of
    `workbook_xml` (unchanged when it has neither, as openpyxl writes it)."""
    text, was_utf16 = decode(app_xml)
    pairs = _element(text, "HeadingPairs")
    titles = _element(text, "TitlesOfParts")
    if pairs is None or titles is None:
        return app_xml
    groups = _groups(workbook_xml, workbook_rels)
    labels = _labels(text[pairs.start() : pairs.end()], text[titles.start() : titles.end()], groups)
    vt, declare = _vt_prefix(text)
    shown = [kind for kind in KINDS if groups[kind]]
    variants = "".join(
        f"<{vt}variant><{vt}lpstr>{esc(labels[kind])}</{vt}lpstr></{vt}variant>"
        f"<{vt}variant><{vt}i4>{len(groups[kind])}</{vt}i4></{vt}variant>"
        for kind in shown
    )
    listed = [title for kind in shown for title in groups[kind]]
    lpstrs = "".join(f"<{vt}lpstr>{esc(title)}</{vt}lpstr>" for title in listed)
    p = pairs.group(1)
    new_pairs = (
        f'<{p}HeadingPairs><{vt}vector size="{2 * len(shown)}" baseType="variant"{declare}>'
        f"{variants}</{vt}vector></{p}HeadingPairs>"
    )
    new_titles = (
        f'<{p}TitlesOfParts><{vt}vector size="{len(listed)}" baseType="lpstr"{declare}>'
        f"{lpstrs}</{vt}vector></{p}TitlesOfParts>"
    )
    first, second = sorted(
        [(pairs, new_pairs), (titles, new_titles)], key=lambda item: item[0].start()
    )
    out = (
        text[: first[0].start()]
        + first[1]
        + text[first[0].end() : second[0].start()]
        + second[1]
        + text[second[0].end() :]
    )
    return encode(out, was_utf16)


def _element(text: str, tag: str) -> re.Match | None:
    return re.search(
        rf"<((?:[\w.-]+:)?){tag}(?=[\s/>]){ATTRS}(?:/>|>.*?</\1{tag}>)", text, flags=re.S
    )


def _vt_prefix(text: str) -> tuple[str, str]:
    """The prefix bound to the variant-types namespace, and a declaration if none is."""
    bound = re.search(rf"""xmlns:([\w.-]+)\s*=\s*["']{re.escape(VT)}["']""", text)
    return (f"{bound.group(1)}:", "") if bound else ("vt:", f' xmlns:vt="{VT}"')


def _groups(workbook_xml: bytes, rels: Sequence[Rel]) -> dict[str, list[str]]:
    """The titles Excel lists: worksheets in tab order, then chart sheets, then the names
    (sheet-scoped ones as Sheet!Name, without the _xlnm. prefix; hidden ones left out)."""
    workbook = parse(workbook_xml, "workbook.xml")
    kinds = {r.id: r.type for r in rels}
    groups: dict[str, list[str]] = {kind: [] for kind in KINDS}
    sheets = []
    for sheet in workbook.findall(f"{{{MAIN}}}sheets/{{{MAIN}}}sheet"):
        name = sheet.get("name", "")
        sheets.append(name)
        kind = kinds.get(sheet.get(f"{{{DOC_RELS}}}id", ""))
        groups["charts" if kind == REL_CHARTSHEET else "sheets"].append(name)
    names = []
    for defined in workbook.iter(f"{{{MAIN}}}definedName"):
        name = defined.get("name", "")
        if defined.get("hidden") in ("1", "true") or name == "_xlnm._FilterDatabase":
            continue
        name = name.removeprefix("_xlnm.")
        scope = defined.get("localSheetId", "")
        if scope.isdigit() and int(scope) < len(sheets):
            names.append((name, int(scope), f"{_quoted(sheets[int(scope)])}!{name}"))
        else:
            names.append((name, -1, name))
    groups["names"] = [
        title for _, _, title in sorted(names, key=lambda n: (n[0].lower(), n[2].lower()))
    ]
    return groups


def _quoted(sheet: str) -> str:
    if re.fullmatch(r"[^\W\d][\w.]*", sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


def _labels(pairs: str, titles: str, groups: dict[str, list[str]]) -> dict[str, str]:
    """The workbook's own label for each kind (Excel writes them in its language), found by
    which titles each old pair counted; English where a kind was not listed."""
    labels = dict(LABELS)
    old_labels = re.findall(r"<(?:[\w.-]+:)?lpstr>(.*?)</(?:[\w.-]+:)?lpstr>", pairs, re.S)
    counts = [int(c) for c in re.findall(r"<(?:[\w.-]+:)?i4>\s*(\d+)\s*<", pairs)]
    old_titles = re.findall(r"<(?:[\w.-]+:)?lpstr>(.*?)</(?:[\w.-]+:)?lpstr>", titles, re.S)
    known = {kind: {t.casefold() for t in groups[kind]} for kind in ("sheets", "charts")}
    at = 0
    for label, count in zip(old_labels, counts, strict=False):
        listed = {_unescape(t).casefold() for t in old_titles[at : at + count]}
        at += count
        if not listed:
            continue
        kind = next((k for k in ("sheets", "charts") if listed <= known[k]), "names")
        labels[kind] = _unescape(label)
    return labels


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )
