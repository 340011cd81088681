"""What salesplan says to a person in the plan's Locale: templates/messages.toml."""

from __future__ import annotations

import functools
import tomllib

from engine.settings import LOCALES
from xl_addin import bundled

CATALOGUE = bundled.TEMPLATES / "messages.toml"


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    with CATALOGUE.open("rb") as fh:
        return tomllib.load(fh)


def say(key: str, locale: str, **values) -> str:
    """The message `key` in `locale` (English for any other), its fields filled in.

    `s` is supplied for English plurals when a count `n` or `rows` is given."""
    if "s" not in values:
        count = values.get("n", values.get("rows"))
        values["s"] = "" if count == 1 else "s"
    text = catalogue()[locale if locale in LOCALES else "en"][key]
    return text.format(**values)
