"""A sentence shown to people, in every language of the UI: English, the reference the store
and the logs keep, and French, the UI's default. Code that words something for an operator
(an alarm's detail, a command's refusal) writes both at once, so nothing reaches a French
screen in English."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: The UI's languages, its default first.
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


@dataclass(frozen=True, slots=True)
class Text:
    en: str
    fr: str

    def __str__(self) -> str:
        return self.en

    def in_language(self, language: str) -> str:
        return self.fr if language == "fr" else self.en

    def as_dict(self) -> dict[str, str]:
        return {"fr": self.fr, "en": self.en}

    @staticmethod
    def same(text: str) -> Text:
        """Words that read the same in every language (a metric key, a number with its unit)."""
        return Text(text, text)

    @staticmethod
    def join(parts: Iterable[Text], separator: str = ", ") -> Text:
        chosen = list(parts)
        return Text(separator.join(p.en for p in chosen), separator.join(p.fr for p in chosen))
