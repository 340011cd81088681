"""What salesplan says to a person in the plan's Locale: templates/messages.toml."""

from __future__ import annotations

import functools
import os
import sys
import tomllib
import unicodedata

from engine.problems import Choice, Message, Problem, where
from engine.settings import LOCALES, choice_word
from xl_addin import bundled

CATALOGUE = bundled.TEMPLATES / "messages.toml"


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    with CATALOGUE.open("rb") as fh:
        return tomllib.load(fh)


def system_locale(environ=None, platform: str = sys.platform) -> str:
    """The computer's language, for a command that has no plan to take the Locale from:
    zh-CN where LC_ALL, LC_MESSAGES or LANG (the first that is set) starts with zh, or
    without them where Windows' display language is Chinese; English otherwise."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            return LOCALES[0] if environ[name].lower().startswith("zh") else "en"
    if platform.startswith("win"):
        import ctypes

        chinese = ctypes.windll.kernel32.GetUserDefaultUILanguage() & 0x3FF == 0x04  # LANG_CHINESE
        return LOCALES[0] if chinese else "en"
    return "en"


def say(key: str, locale: str, **values) -> str:
    """The message `key` in `locale` (English for any other), its fields filled in.

    `s` is supplied for English plurals when a count `n` or `rows` is given."""
    if "s" not in values:
        count = values.get("n", values.get("rows"))
        values["s"] = "" if count == 1 else "s"
    text = catalogue()[locale if locale in LOCALES else "en"][key]
    return text.format(**values)


def text(words: str | Message | Choice, locale: str) -> str:
    """What the engine said (a Message, whose fields may be Messages too), in `locale`;
    text not yet in the catalogue as it is. A tuple (a field `listed`) is joined with the
    locale's list separator; a Choice is named as a plan in `locale` types it."""
    if isinstance(words, Choice):
        return choice_word(words.name, words.value, locale)
    if isinstance(words, tuple):
        return say("list_separator", locale).join(text(w, locale) for w in words)
    if not isinstance(words, Message):
        return words
    return say(words.key, locale, **{k: _field(v, locale) for k, v in words.fields})


LONGEST_FIELD = 300  # a value echoed in a message (a cell's text may hold 32,767 characters)


def _field(value, locale: str):
    """A field of a message; text the user typed, shown in full only when it is short."""
    if isinstance(value, str) and len(value) > LONGEST_FIELD:
        return value[: LONGEST_FIELD // 2] + "…"
    return text(value, locale) if isinstance(value, str | Message | Choice | tuple) else value


def problem_text(p: Problem, locale: str) -> str:
    """`Sheet!Cell: what is wrong — what to do`, in `locale`."""
    sheet = text(p.sheet, locale)  # a sheet's name, or a place named in words
    hint = text(p.hint, locale)
    return f"{where(sheet, p.cell)}: {text(p.message, locale)}" + (
        say("hint", locale, hint=hint) if hint else ""
    )


def problems_text(problems: list[Problem], locale: str, most: int = 20) -> str:
    """The problems one a line, the first `most` of them."""
    lines = [problem_text(p, locale) for p in problems[:most]]
    if len(problems) > most:
        lines.append(say("more_problems", locale, n=len(problems) - most))
    return "\n".join(lines)


def columns(words: str) -> int:
    """How many columns `words` takes in a terminal or a fixed-width font: a wide or full-width
    character (Chinese) takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in words)


def pad(words: str, width: int) -> str:
    """`words` followed by spaces up to `width` columns, so that columns line up in any locale."""
    return words + " " * max(0, width - columns(words))
