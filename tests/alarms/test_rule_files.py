"""Rule files: the package's load; broken ones are refused with file, line and reason, and
the rules in force stay in force."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.alarms.builders import CABINET_1, CAMERA_1
from tests.alarms.conftest import World
from vigie.alarms.ruleset import RULE_FILES, RuleFileError, load_rules, rule_files

GOOD = """
[[rule]]
id = "test.camera_down"
title = "Camera down"
title_fr = "Caméra en panne"
type = "Camera"
kind = "condition"
severity = "major"
when = [{ metric = "online", equals = false }]
"""


def _refusal(tmp_path: Path, text: str) -> list[tuple[str, int, str]]:
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError) as refused:
        load_rules([path])
    return [(Path(p.file).name, p.line, p.reason) for p in refused.value.problems]


def test_the_package_rules_load() -> None:
    book = load_rules(rule_files())
    domains = {rule_id.split(".")[0] for rule_id in book.rules}
    assert domains == {
        "lighting",
        "traffic",
        "cctv",
        "bollards",
        "transit",
        "fleet",
        "buildings",
        "network",
    }
    assert {r.id for r in book.rules.values() if r.root} == {
        "lighting.cabinet_supply_loss",
        "lighting.cabinet_breaker_tripped",
        "lighting.cabinet_offline",
        "network.link_down",
        "network.node_unreachable",
        "network.node_silent",
    }


def test_a_toml_syntax_error_gives_its_line(tmp_path: Path) -> None:
    [(name, line, reason)] = _refusal(tmp_path, GOOD + "\n[[rule]]\nid = \n")
    assert (name, line) == ("broken.toml", 12)
    assert reason.startswith("not valid TOML: ")


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (('metric = "online"', 'metric = "on_line"'), 9, "Camera has no metric 'on_line'"),
        (('kind = "condition"', 'kind = "magic"'), 7, "unknown kind 'magic'"),
        (('severity = "major"', 'severity = "dire"'), 8, "severity is one of minor, major"),
        (('type = "Camera"', 'type = "Toaster"'), 6, "unknown type 'Toaster'"),
        (("equals = false", 'equals = "no"'), 9, "online (bool): compare a boolean"),
        (("equals = false", "below = 3.0"), 9, "online (bool): below applies to numbers"),
        (('id = "test.camera_down"', 'id = "Camera Down"'), 3, "id 'Camera Down' is not"),
        (("severity", "loudness"), 2, "severity is required"),
        (("[{", "[{ colour = 1,"), 9, "condition: Object contains unknown field `colour`"),
        # A rule's title in French, beside it, is required and checked like the title.
        (('title_fr = "Caméra en panne"\n', ""), 2, "title_fr is required: the title in French"),
        (('title_fr = "Caméra en panne"', "title_fr = 3"), 5, "title_fr is 1 to 200 characters"),
        (('title_fr = "Caméra en panne"', 'title_fr = ""'), 5, "title_fr is 1 to 200 characters"),
    ],
)
def test_a_wrong_rule_gives_its_line_and_reason(
    tmp_path: Path, change: tuple[str, str], line: int, reason: str
) -> None:
    [(name, found_line, found_reason)] = _refusal(tmp_path, GOOD.replace(*change))
    assert (name, found_line) == ("broken.toml", line), found_reason
    assert found_reason.startswith(reason), found_reason


def test_a_python_kind_checks_its_parameters(tmp_path: Path) -> None:
    text = """
[[rule]]
id = "test.burner"
title = "Day burner"
title_fr = "Luminaire allumé de jour"
type = "Streetlight"
kind = "day_burner"
severity = "minor"
margin_min = "thirty"
"""
    [(_, line, reason)] = _refusal(tmp_path, text)
    assert line == 9 and "Expected `float`, got `str`" in reason
    [(_, line, reason)] = _refusal(tmp_path, text.replace('type = "Streetlight"', 'type = "Bus"'))
    assert (line, reason) == (6, "kind day_burner applies to Streetlight")


def test_a_rule_without_its_french_title_is_refused_with_file_and_line(tmp_path: Path) -> None:
    untranslated = GOOD + GOOD.replace("camera_down", "camera_gone").replace(
        'title_fr = "Caméra en panne"\n', ""
    )
    [(name, line, reason)] = _refusal(tmp_path, untranslated)
    # The second rule's [[rule]] header: the key is missing, so its rule is where to look.
    assert (name, line) == ("broken.toml", 11)
    assert reason == "title_fr is required: the title in French"


def test_every_package_rule_has_its_title_in_english_and_french() -> None:
    book = load_rules(rule_files())
    for rule in book.rules.values():
        assert set(rule.titles) == {"en", "fr"}, rule.id
        assert rule.title_in("en") == rule.title and rule.title_in("fr") != rule.title
    lamp = book.rules["lighting.lamp_failure"]
    assert (lamp.title_in("fr"), lamp.title_in("de")) == ("Panne de lampe", "Lamp failure")


def test_an_id_declared_twice_is_refused_where_it_repeats(tmp_path: Path) -> None:
    [(_, line, reason)] = _refusal(tmp_path, GOOD + GOOD)
    assert line == 12 and reason == "rule id test.camera_down is already declared at broken.toml:2"


def test_broken_rules_are_refused_and_the_running_ones_stay(world: World, tmp_path: Path) -> None:
    site = tmp_path / "rules"
    site.mkdir()
    for name, path in RULE_FILES.items():
        shutil.copyfile(path, site / name)
    lighting = site / "lighting.toml"
    lighting.write_text(lighting.read_text().replace("below = 180.0", 'below = "low"'))
    before = world.engine.rules
    with pytest.raises(RuleFileError) as refused:
        world.engine.reload_rules(rule_files(site))
    [problem] = refused.value.problems
    assert problem.file.endswith("lighting.toml") and problem.line == 14
    assert world.engine.rules is before
    world.send(CABINET_1, supply_v=0.0)  # the rules in force still raise
    assert world.alarm(CABINET_1, "lighting.cabinet_supply_loss").state == "raised"


def test_a_site_file_replaces_the_package_file_of_its_name(world: World, tmp_path: Path) -> None:
    (tmp_path / "cctv.toml").write_text(GOOD)
    book = world.engine.reload_rules(rule_files(tmp_path))
    assert "test.camera_down" in book.rules and "cctv.camera_offline" not in book.rules
    world.send(CAMERA_1, online=False)
    assert world.rules_raised(CAMERA_1) == {"test.camera_down"}
