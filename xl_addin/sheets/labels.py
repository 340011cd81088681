"""Every label salesplan writes into a workbook (sheet names, headers, titles, words in cells),
from the one message catalogue, in the plan's locale."""

from __future__ import annotations

from engine.settings import LOCALES
from xl_addin.messages import catalogue


def label(key: str, locale: str) -> str:
    """The label `key` in `locale` (English for any other): `label_<key>` of the message
    catalogue, templates/messages.toml; a key it does not hold is written as it is."""
    return catalogue()[locale if locale in LOCALES else "en"].get(f"label_{key}", key)


def status_label(status: str, locale: str) -> str:
    """A tracking status as a cell shows it: RED, AMBER, GREEN, NO REPORT or 红, 黄, 绿, 未报告."""
    return label(status, locale)
