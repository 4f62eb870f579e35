"""A sentence shown to people, in every language of the UI: English, the reference the store,
the logs and API clients that ask for no language get, and French, the UI's default. Code that
words something for an operator (an alarm's detail, a command's refusal) writes both at once,
so nothing reaches a French screen in English.

A `Text` is the English string itself (a `str`), carrying its French beside it: code that only
knows strings (joins, logs, comparisons) keeps working and reads English.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The UI's languages, its default first.
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


class Text(str):
    fr: str

    def __new__(cls, en: str, fr: str) -> Text:
        text = super().__new__(cls, en)
        text.fr = fr
        return text

    @property
    def en(self) -> str:
        return str.__str__(self)

    def in_language(self, language: str) -> str:
        return self.fr if language == "fr" else self.en

    def as_dict(self) -> dict[str, str]:
        return {"fr": self.fr, "en": self.en}

    @staticmethod
    def same(text: str) -> Text:
        """Words that read the same in every language (a metric key, a number with its unit)."""
        return Text(text, text)

    @staticmethod
    def joined(parts: Iterable[str], separator: str = ", ") -> Text:
        """The parts one after the other; a plain string reads the same in every language."""
        chosen = [p if isinstance(p, Text) else Text.same(p) for p in parts]
        return Text(separator.join(p.en for p in chosen), separator.join(p.fr for p in chosen))


def in_language(text: str, language: str) -> str:
    """`text` in `language` when it is a `Text`; a plain string as it is."""
    return text.in_language(language) if isinstance(text, Text) else text
