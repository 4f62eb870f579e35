"""The language a reader asks for: `?lang=` (fr, en), else the best of `Accept-Language`
(RFC 9110). Alarms answer in French when nothing is asked (the control room's language);
problem+json details in English (the reference an API client expects), unless asked."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from vigie.api.problems import ProblemError
from vigie.core.text import DEFAULT_LANGUAGE, LANGUAGES


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


def asked_language(request: Request) -> str | None:
    """What the request asks for, if it asks for a language we have (never an error: a
    problem document is written in it)."""
    lang = request.query_params.get("lang")
    if lang in LANGUAGES:
        return lang
    return _from_header(request.headers.get("accept-language", ""))


def requested_language(
    request: Request,
    lang: Annotated[
        str | None,
        Query(description="Language of what the answer words for people: fr (default) or en"),
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
