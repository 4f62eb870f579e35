"""Alarm titles and details in the reader's language.

An alarm is stored with its rule's English title and its detail in English and French; its
rule file gives the title in every language of the UI (vigie.alarms.ruleset: `title`,
`title_fr`). The API sends each alarm with `title` and `detail` in the language asked for —
`?lang=` (fr, en), else the best of `Accept-Language`, else French — and `titles` and
`details` in every language, keyed by language, so that a UI switching language redraws
without asking again. The rule's id (`rule_id`) is the key of a title.

The titles are the running alarm engine's rules (`app.state.alarm_engine`), so a reload of
the rule files shows at once; without an engine (an API process that runs none), the
installed integrations' rule files.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec
from fastapi import Depends, Query, Request

from vigie.alarms.model import Alarm
from vigie.alarms.ruleset import TITLE_LANGUAGE, TRANSLATED, load_rules, rule_files
from vigie.api.problems import ProblemError

LANGUAGES = (*TRANSLATED, TITLE_LANGUAGE)
DEFAULT_LANGUAGE = "fr"

Titles = Mapping[str, Mapping[str, str]]  # rule id → language → title


def _from_header(header: str) -> str | None:
    """The language of `Accept-Language` (RFC 9110) we have with the highest weight; of equal
    weights, the one listed first."""
    found: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.partition(";")
        language = tag.strip().lower().split("-")[0]
        weight = 1.0
        params = params.strip().replace(" ", "")
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                continue
        if language in LANGUAGES and weight > 0:
            found.append((-weight, position, language))
    return min(found)[2] if found else None


def requested_language(
    request: Request,
    lang: Annotated[
        str | None, Query(description="Language of alarm titles: fr (default) or en")
    ] = None,
) -> str:
    if lang is not None:
        if lang not in LANGUAGES:
            raise ProblemError(
                400,
                f"unknown language {lang!r}; one of {', '.join(LANGUAGES)}",
                kind="bad-language",
                parameter="lang",
            )
        return lang
    return _from_header(request.headers.get("accept-language", "")) or DEFAULT_LANGUAGE


Language = Annotated[str, Depends(requested_language)]


@functools.cache
def _titles_in(files: tuple[Path, ...]) -> Titles:
    return {rule.id: rule.titles for rule in load_rules(files).rules.values()}


def titles_of(request: Request) -> Titles:
    engine = getattr(request.app.state, "alarm_engine", None)
    if engine is None:
        return _titles_in(tuple(rule_files()))  # the installed integrations' files
    return {rule.id: rule.titles for rule in engine.rules.rules.values()}


def localized(alarm: Alarm, titles: Titles, language: str) -> dict[str, Any]:
    """The alarm as JSON builtins, its `title` in `language` and its `titles` added."""
    body: dict[str, Any] = msgspec.to_builtins(alarm)
    known = titles.get(alarm.rule_id) or {TITLE_LANGUAGE: alarm.title}
    body["title"] = known.get(language, alarm.title)
    body["titles"] = dict(known)
    details = {TITLE_LANGUAGE: alarm.detail}
    if alarm.detail_fr is not None:
        details["fr"] = alarm.detail_fr
    body["detail"] = details.get(language, alarm.detail)
    body["details"] = details
    del body["detail_fr"]  # in `details`
    return body


def localized_all(alarms: Iterable[Alarm], titles: Titles, language: str) -> list[dict[str, Any]]:
    return [localized(alarm, titles, language) for alarm in alarms]
