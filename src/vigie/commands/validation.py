"""Who may check what: each domain registers, per action, a check of the parameters against
every target device. A command is refused whole when any check fails: nothing is sent to any
device, nothing is stored."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from vigie.commands.model import CommandRefused, CommandRequest, Policy, Target
from vigie.core.text import Text

#: (params, targets) -> reasons for refusal (empty: accepted). It may normalise the params by
#: returning them in `Checked`.
Check = Callable[[dict[str, Any], Sequence[Target]], "Checked"]


@dataclass(frozen=True)
class Checked:
    reasons: list[str]
    params: dict[str, Any]


#: Completes the caller's params from the store before the check (e.g. a programme's steps
#: from its id); raises CommandRefused for what it cannot find.
Prepare = Callable[[Connection, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class ActionSpec:
    domain: str
    action: str
    asset_types: frozenset[str]
    check: Check
    description: str = ""
    prepare: Prepare | None = None
    #: Types an area, municipality or group selects (default: all of asset_types); a list of
    #: assets may name any of asset_types (e.g. a cabinet, which relays to its nodes).
    area_types: frozenset[str] | None = None


#: Reasons every domain's checks give alike.
UNTIL_REFUSED = Text(
    "until must be an RFC 3339 time with a UTC offset",
    "until doit être une heure RFC 3339 avec un décalage UTC",
)


def unknown_parameters(names: list[str]) -> Text:
    listed = ", ".join(names)
    return Text(f"unknown parameters: {listed}", f"paramètres inconnus : {listed}")


_ACTIONS: dict[tuple[str, str], ActionSpec] = {}


def register(spec: ActionSpec) -> None:
    _ACTIONS[(spec.domain, spec.action)] = spec


def unregister(domain: str, action: str) -> None:
    _ACTIONS.pop((domain, action), None)


def actions() -> list[ActionSpec]:
    return sorted(_ACTIONS.values(), key=lambda s: (s.domain, s.action))


def spec_for(domain: str, action: str) -> ActionSpec:
    spec = _ACTIONS.get((domain, action))
    if spec is None:
        known = ", ".join(f"{s.domain}/{s.action}" for s in actions()) or "none"
        raise CommandRefused(
            [
                Text(
                    f"unknown action {domain}/{action}; known: {known}",
                    f"action inconnue {domain}/{action} ; connues : {known}",
                )
            ]
        )
    return spec


def check_request(request: CommandRequest) -> CommandRequest:
    """The request with its params as the domain normalised them, or CommandRefused."""
    spec = spec_for(request.domain, request.action)
    reasons: list[str] = []
    policy = request.policy
    if not 0 < policy.expires_in.total_seconds() <= Policy.MAX_EXPIRY.total_seconds():
        reasons.append(
            Text(
                "expires_in_s must be above 0 and at most 7 days",
                "expires_in_s doit être au-dessus de 0 et d'au plus 7 jours",
            )
        )
    if not 1 <= policy.max_attempts <= Policy.MAX_ATTEMPTS:
        reasons.append(
            Text(
                f"max_attempts must be between 1 and {Policy.MAX_ATTEMPTS}",
                f"max_attempts doit être entre 1 et {Policy.MAX_ATTEMPTS}",
            )
        )
    if not 1.0 <= policy.retry_after.total_seconds() <= 3_600.0:
        reasons.append(
            Text(
                "retry_after_s must be between 1 and 3600",
                "retry_after_s doit être entre 1 et 3600",
            )
        )
    if not request.targets:
        reasons.append(
            Text("the command targets no device", "la commande ne vise aucun équipement")
        )
    wrong = sorted({t.asset_type for t in request.targets} - spec.asset_types)
    if wrong:
        reasons.append(
            Text(
                f"{request.domain}/{request.action} does not apply to {', '.join(wrong)}; "
                f"only to {', '.join(sorted(spec.asset_types))}",
                f"{request.domain}/{request.action} ne s'applique pas à {', '.join(wrong)} ; "
                f"seulement à {', '.join(sorted(spec.asset_types))}",
            )
        )
    if reasons:
        raise CommandRefused(reasons)
    checked = spec.check(dict(request.params), request.targets)
    if checked.reasons:
        raise CommandRefused(checked.reasons)
    return CommandRequest(
        request.domain,
        request.action,
        checked.params,
        request.targets,
        request.target_description,
        request.policy,
    )
