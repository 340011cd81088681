"""Styles: the rendered sheets' fonts, fills, borders, number formats, cell formats and
conditional formats, reused from the user's styles.xml when identical, else appended.
"""

from __future__ import annotations

import copy
import posixpath
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from engine.problems import said
from xl_addin.workbook.opc import (
    CT_STYLES,
    MAIN,
    REL_STYLES,
    XML_NS,
    Rel,
    fresh,
    fresh_id,
    office_document,
    parse,
    problem,
)
from xl_addin.workbook.xmltext import ATTRS, decode, encode, esc, esc_text, prefix

# Excel's built-in number formats that read the same in every locale: no custom id needed.
BUILTIN_FORMATS = {
    "0": 1,
    "0.00": 2,
    "#,##0": 3,
    "#,##0.00": 4,
    "0%": 9,
    "0.00%": 10,
    "0.00E+00": 11,
}


# Schema order of the collections in styles.xml (CT_Stylesheet is a sequence).
STYLE_PARTS = (
    "numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
    "cellStyles", "dxfs", "tableStyles", "colors", "extLst",
)  # fmt: skip


FONT_FACE = ("name", "charset", "family", "scheme")


@dataclass
class Styled:
    xf: dict[int, int]
    dxf: dict[int, int]


def add_styles(
    user, made, workbook_rels, new_rels, types, written, wb_folder, taken, ids
) -> Styled:
    made_part = next(
        r.part for r in made.rels(office_document(made, "rendered")) if r.type == REL_STYLES
    )
    made_xml = made.read(made_part)
    rel = next(
        (r for r in workbook_rels if r.type == REL_STYLES and r.part and user.has(r.part)), None
    )
    if rel is None:  # a workbook without styles (rare): take the rendered ones as they are
        part = posixpath.join(wb_folder, "styles.xml")
        if part.casefold() in taken:
            part = fresh(taken, wb_folder, "styles")
        written[part] = made_xml
        types.set(part, CT_STYLES)
        new_rels.append(
            Rel(fresh_id(ids), REL_STYLES, posixpath.relpath(part, wb_folder), False, part)
        )
        root = parse(made_xml, made_part)
        identity = {i: i for i in range(len(_kids(root, "cellXfs")))}
        return Styled(identity, {i: i for i in range(len(_kids(root, "dxfs")))})
    data = user.read(rel.part)
    merged, xf, dxf = merge_styles(data, made_xml, rel.part)
    if merged != data:
        written[rel.part] = merged
    return Styled(xf, dxf)


def merge_styles(
    user_xml: bytes, made_xml: bytes, part: str = "styles.xml"
) -> tuple[bytes, dict[int, int], dict[int, int]]:
    """The user's styles.xml with what the rendered one needs; cellXfs and dxfs index maps."""
    user, made = parse(user_xml, part), parse(made_xml, "rendered styles")
    if user.tag != f"{{{MAIN}}}styleSheet":
        raise problem(part, said("styles_unreadable"), said("styles_unreadable_hint"))
    added: dict[str, list[Element]] = {name: [] for name in STYLE_PARTS}

    def reuse_or_add(name: str, items: list[Element], fixed: int = 0) -> dict[int, int]:
        existing = _kids(user, name)
        known: dict[tuple, int] = {}
        for i, el in enumerate(existing):
            known.setdefault(_key(el), i)
        mapping = {}
        for i, el in enumerate(items):
            if i < fixed and i < len(existing):  # the defaults every styles.xml starts with
                mapping[i] = i
                continue
            k = _key(el)
            if k not in known:
                known[k] = len(existing) + len(added[name])
                added[name].append(el)
            mapping[i] = known[k]
        return mapping

    codes: dict[str, int] = {}
    for nf in _kids(user, "numFmts"):
        if (nf.get("numFmtId") or "").isdigit():
            codes.setdefault(nf.get("formatCode", ""), int(nf.get("numFmtId")))
    next_code = max([163, *codes.values()]) + 1
    numfmt: dict[int, int] = {}
    for nf in _kids(made, "numFmts"):
        code = nf.get("formatCode", "")
        if code not in BUILTIN_FORMATS and code not in codes:
            added["numFmts"].append(
                Element(f"{{{MAIN}}}numFmt", {"numFmtId": str(next_code), "formatCode": code})
            )
            codes[code] = next_code
            next_code += 1
        numfmt[int(nf.get("numFmtId"))] = BUILTIN_FORMATS.get(code, codes.get(code))

    user_fonts = _kids(user, "fonts")
    face = [c for c in user_fonts[0] if _local(c.tag) in FONT_FACE] if user_fonts else []
    fonts = [_with_face(f, face) if i else f for i, f in enumerate(_kids(made, "fonts"))]
    font = reuse_or_add("fonts", fonts, fixed=1)
    fill = reuse_or_add("fills", _kids(made, "fills"), fixed=2)
    border = reuse_or_add("borders", _kids(made, "borders"), fixed=1)
    xfs = []
    for xf in _kids(made, "cellXfs"):
        xf = copy.deepcopy(xf)
        for attr, mapping in (
            ("numFmtId", numfmt),
            ("fontId", font),
            ("fillId", fill),
            ("borderId", border),
        ):
            if (xf.get(attr) or "").isdigit():
                xf.set(attr, str(mapping.get(int(xf.get(attr)), int(xf.get(attr)))))
        xfs.append(xf)
    xf_map = reuse_or_add("cellXfs", xfs, fixed=1)
    dxf_map = reuse_or_add("dxfs", _kids(made, "dxfs"))
    if not any(added.values()):
        return user_xml, xf_map, dxf_map

    text, declaration = decode(user_xml)
    p = prefix(text, "styleSheet")
    for name in STYLE_PARTS:
        if added[name]:
            total = len(_kids(user, name)) + len(added[name])
            text = _append(text, p, name, "".join(_xml(el, p) for el in added[name]), total)
    return encode(text, declaration), xf_map, dxf_map


def _kids(root: Element, name: str) -> list[Element]:
    collection = root.find(f"{{{MAIN}}}{name}")
    return list(collection) if collection is not None else []


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _key(el: Element) -> tuple:
    return (
        el.tag,
        tuple(sorted(el.attrib.items())),
        (el.text or "").strip(),
        tuple(_key(c) for c in el),
    )


def _with_face(font: Element, face: list[Element]) -> Element:
    """XlsxWriter's fonts are Calibri; a title in the user's own default face looks native."""
    if not face:
        return font
    out = Element(font.tag, dict(font.attrib))
    out.extend(copy.deepcopy(c) for c in font if _local(c.tag) not in FONT_FACE)
    out.extend(copy.deepcopy(c) for c in face)
    return out


def _append(text: str, p: str, name: str, items: str, total: int) -> str:
    """Add `items` at the end of a top-level collection of styles.xml and set its count."""
    m = re.search(rf"<{p}{name}(?=[\s/>])({ATTRS})(/?)>", text)
    if m is None:  # no such collection yet: create it after those the schema puts before it
        ends = [_end(text, p, n) for n in STYLE_PARTS[: STYLE_PARTS.index(name)]]
        at = max((e for e in ends if e is not None), default=None)
        if at is None:
            at = re.search(rf"<{p}styleSheet(?=[\s/>]){ATTRS}>", text).end()
        return text[:at] + f'<{p}{name} count="{total}">{items}</{p}{name}>' + text[at:]
    attrs = re.sub(r"""\scount\s*=\s*(?:"[^"]*"|'[^']*')""", "", m.group(1)).rstrip()
    opening = f'<{p}{name} count="{total}"{attrs}>'
    if m.group(2):  # <dxfs count="0"/>
        return text[: m.start()] + opening + items + f"</{p}{name}>" + text[m.end() :]
    close = text.index(f"</{p}{name}>", m.end())
    return text[: m.start()] + opening + text[m.end() : close] + items + text[close:]


def _end(text: str, p: str, name: str) -> int | None:
    """Where a top-level collection of styles.xml ends, or None when there is none."""
    m = re.search(rf"<{p}{name}(?=[\s/>]){ATTRS}(/?)>", text)
    if m is None:
        return None
    return m.end() if m.group(1) else text.index(f"</{p}{name}>", m.end()) + len(f"</{p}{name}>")


def _xml(el: Element, p: str) -> str:
    """An element of the main namespace as text, with the user's prefix for it."""
    if not el.tag.startswith(f"{{{MAIN}}}"):
        raise AssertionError(f"unexpected element in rendered styles: {el.tag}")
    tag = p + _local(el.tag)
    attrs = "".join(f' {_attr_name(k)}="{esc(v)}"' for k, v in el.attrib.items())
    inner = esc_text(el.text or "") + "".join(_xml(c, p) + esc_text(c.tail or "") for c in el)
    return f"<{tag}{attrs}>{inner}</{tag}>" if inner else f"<{tag}{attrs}/>"


def _attr_name(name: str) -> str:
    if name.startswith(f"{{{XML_NS}}}"):
        return "xml:" + _local(name)
    if name.startswith("{"):
        raise AssertionError(f"unexpected attribute in rendered styles: {name}")
    return name
