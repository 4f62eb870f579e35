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
from typing import Any

import msgspec
from fastapi import Request

from vigie.alarms.model import Alarm
from vigie.alarms.ruleset import TITLE_LANGUAGE, load_rules, rule_files

Titles = Mapping[str, Mapping[str, str]]  # rule id → language → title


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
