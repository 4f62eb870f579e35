"""Reading rule files: TOML, one per domain, every problem reported with its file and line.

A file that fails anywhere is refused whole, and so is the set it belongs to: the caller keeps
the rules it runs (see AlarmEngine.reload_rules). tomllib reports the line of a syntax error;
for the checks made here, the line is that of the offending key (or of the rule's `[[rule]]`
header when the key is missing).

A rule carries its title in every language of the UI, beside it in its own file: `title` in
English (also the one stored with an alarm and sent to webhooks) and `title_<lang>` for each
other language of `TRANSLATED` (French: `title_fr`), required.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from vigie.alarms.conditions.base import Condition, ParamError
from vigie.alarms.kinds import KINDS, SILENCE
from vigie.alarms.model import Severity
from vigie.telemetry.catalogue import METRICS

#: The installed integrations' rule files, by the file name a site may override.
RULE_FILES: dict[str, Path] = {}
RULE_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
#: The title's language, and the languages every rule must also give it in (`title_<lang>`).
TITLE_LANGUAGE = "en"
TRANSLATED = ("fr",)
_COMMON_KEYS = frozenset(
    {"id", "title", "type", "kind", "severity", "root", "for_s", "description"}
    | {f"title_{lang}" for lang in TRANSLATED}
)
_LANGUAGE_NAMES = {"fr": "French"}
_HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_MSGSPEC_PATH = re.compile(r"`\$\.?([A-Za-z_]\w*)?(?:\[(\d+)\])?")
_UNKNOWN_FIELD = re.compile(r"unknown field `(\w+)`")


class RuleProblem(NamedTuple):
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class RuleFileError(Exception):
    """Rule files refused; `problems` says where and why."""

    def __init__(self, problems: Sequence[RuleProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    reporter_type: str
    kind: str
    severity: Severity
    root: bool
    for_s: float
    condition: Condition
    source: str  # file:line of its declaration
    description: str = ""
    #: The title by language: TITLE_LANGUAGE and every one of TRANSLATED.
    titles: dict[str, str] = field(default_factory=dict)

    def title_in(self, language: str) -> str:
        """The title in this language, or the reference title when it has none."""
        return self.titles.get(language, self.title)


@dataclass
class RuleBook:
    rules: dict[str, Rule] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_type: dict[str, list[Rule]] = defaultdict(list)
        self.silence: dict[str, Rule] = {}
        for rule in self.rules.values():
            self.by_type[rule.reporter_type].append(rule)
            if rule.kind == SILENCE:
                self.silence[rule.reporter_type] = rule


def rule_files(site_dir: Path | None = None) -> list[Path]:
    """The installed integrations' rule files (`<domain>.toml`); a file of `site_dir` with the
    same name replaces the integration's, and its other files are added."""
    chosen = dict(RULE_FILES)
    if site_dir is not None:
        chosen.update({p.name: p for p in sorted(site_dir.glob("*.toml"))})
    return [chosen[name] for name in sorted(chosen)]


class _Lines:
    """Where things are in a rule file's text, for messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers = [i for i, line in enumerate(self.lines) if _HEADER.match(line)]

    def of(self, rule_index: int | None, key: str | None = None, index: int | None = None) -> int:
        if rule_index is None or rule_index >= len(self.headers):
            return 1
        start = self.headers[rule_index]
        end = (
            self.headers[rule_index + 1] if rule_index + 1 < len(self.headers) else len(self.lines)
        )
        if key is None:
            return start + 1
        pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
        for number in range(start, end):
            if pattern.match(self.lines[number]):
                if index is None:
                    return number + 1
                braces = 0
                for inner in range(number, end):
                    braces += self.lines[inner].count("{")
                    if braces > index:
                        return inner + 1
                return number + 1
        return start + 1


def _parse_file(
    path: Path, problems: list[RuleProblem]
) -> tuple[list[dict[str, Any]], _Lines] | None:
    """The file's rule tables and where they are, or None (and problems) if unreadable."""
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(RuleProblem(name, 1, f"cannot read: {error}"))
        return None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_POSITION.search(str(error))
        line = int(found[1]) if found else 1
        reason = _TOML_POSITION.sub("", str(error)).strip()
        problems.append(RuleProblem(name, line, f"not valid TOML: {reason}"))
        return None
    lines = _Lines(text)
    unknown = sorted(set(document) - {"rule"})
    if unknown:
        problems.append(RuleProblem(name, 1, f"unknown top-level key(s): {', '.join(unknown)}"))
    tables = document.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.append(RuleProblem(name, 1, "rules are declared as [[rule]] tables"))
        return None
    return tables, lines


def _build_rule(
    table: dict[str, Any], rule_index: int, path: Path, lines: _Lines
) -> Rule | RuleProblem:
    def problem(reason: str, key: str | None = None, index: int | None = None) -> RuleProblem:
        return RuleProblem(str(path), lines.of(rule_index, key, index), reason)

    for key in ("id", "title", "type", "kind", "severity"):
        if not isinstance(table.get(key), str):
            return problem(f"{key} is required, as a string", key if key in table else None)
    rule_id, reporter_type, kind_name = table["id"], table["type"], table["kind"]
    if not RULE_ID.match(rule_id) or len(rule_id) > 80:
        return problem(f"id {rule_id!r} is not domain.name in lower case", "id")
    if not 0 < len(table["title"]) <= 200:
        return problem("title is 1 to 200 characters", "title")
    titles = {TITLE_LANGUAGE: table["title"]}
    for language in TRANSLATED:
        key = f"title_{language}"
        if key not in table:
            return problem(f"{key} is required: the title in {_LANGUAGE_NAMES[language]}")
        translated = table[key]
        if not isinstance(translated, str) or not 0 < len(translated) <= 200:
            return problem(f"{key} is 1 to 200 characters, as a string", key)
        titles[language] = translated
    if reporter_type not in METRICS:
        return problem(f"unknown type {reporter_type!r}; one of {', '.join(METRICS)}", "type")
    kind = KINDS.get(kind_name)
    if kind is None:
        return problem(f"unknown kind {kind_name!r}; one of {', '.join(KINDS)}", "kind")
    if kind.types is not None and reporter_type not in kind.types:
        return problem(f"kind {kind_name} applies to {', '.join(sorted(kind.types))}", "type")
    try:
        severity = Severity(table["severity"])
    except ValueError:
        return problem(f"severity is one of {', '.join(Severity)}", "severity")
    root = table.get("root", False)
    if not isinstance(root, bool):
        return problem("root is true or false", "root")
    for_s = table.get("for_s", 0)
    if isinstance(for_s, bool) or not isinstance(for_s, (int, float)) or not 0 <= for_s <= 86_400:
        return problem("for_s is a number of seconds between 0 and 86400", "for_s")
    description = table.get("description", "")
    if not isinstance(description, str):
        return problem("description is a string", "description")
    params = {k: v for k, v in table.items() if k not in _COMMON_KEYS}
    try:
        parsed = msgspec.convert(params, kind.params)
    except msgspec.ValidationError as error:
        text = str(error)
        unknown = _UNKNOWN_FIELD.search(text)
        where = _MSGSPEC_PATH.search(text)
        # The path names the key (and index) when the fault is inside one; an unknown key
        # at the top of the rule is named by the message alone.
        if where and where[1]:
            at_key, index = where[1], int(where[2]) if where[2] else None
        else:
            at_key, index = (unknown[1] if unknown else None), None
        reason = text.replace("$.", "").replace("`$`", "the rule")
        return problem(f"{kind_name}: {reason}", at_key, index)
    try:
        condition = kind.build(parsed, reporter_type)
    except ParamError as error:
        return problem(error.reason, error.key, error.index)
    return Rule(
        id=rule_id,
        title=table["title"],
        reporter_type=reporter_type,
        kind=kind_name,
        severity=severity,
        root=root,
        for_s=float(for_s),
        condition=condition,
        source=f"{path.name}:{lines.of(rule_index)}",
        description=description,
        titles=titles,
    )


def load_rules(paths: Sequence[Path]) -> RuleBook:
    """Every rule of these files, or RuleFileError listing every problem found in them."""
    problems: list[RuleProblem] = []
    rules: dict[str, Rule] = {}
    for path in paths:
        parsed = _parse_file(path, problems)
        if parsed is None:
            continue
        tables, lines = parsed
        for rule_index, table in enumerate(tables):
            built = _build_rule(table, rule_index, path, lines)
            if isinstance(built, RuleProblem):
                problems.append(built)
                continue
            if built.id in rules:
                reason = f"rule id {built.id} is already declared at {rules[built.id].source}"
                problems.append(RuleProblem(str(path), lines.of(rule_index, "id"), reason))
                continue
            twin = next(
                (
                    r
                    for r in rules.values()
                    if r.kind == SILENCE == built.kind and r.reporter_type == built.reporter_type
                ),
                None,
            )
            if twin is not None:
                reason = f"{built.reporter_type} already has a silence rule ({twin.id})"
                problems.append(RuleProblem(str(path), lines.of(rule_index, "kind"), reason))
                continue
            rules[built.id] = built
    if problems:
        raise RuleFileError(problems)
    return RuleBook(rules, list(paths))
