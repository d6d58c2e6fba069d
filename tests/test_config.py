from __future__ import annotations

import json
from pathlib import Path

import pytest

from readiness.config import load_config, load_schema, read_layer
from readiness.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent

GOOD = """\
version: 1
project: invoice-extractor
owner: ai-platform-team
timeline:
  pilot_start: 2026-09-01
  soft_launch: 2026-12-01
thresholds:
  min_examples: 300
"""


def error_of(tmp_path: Path, text: str) -> str:
    (tmp_path / "readiness.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\ntimeline:\n  pilot_start: [1\n",
         "readiness.yaml:4:1: YAML syntax error"),
        ("version: 1\nthresholds:\n  min_examples: many\n",
         "readiness.yaml:3:17: thresholds.min_examples: expected an integer, got 'many'"),
        ("version: 1\ntimelime:\n  pilot_start: 2026-09-01\n",
         "readiness.yaml:2:1: unknown key 'timelime'"),
        ("version: 1\ntimeline:\n  pilot_start: 2026-13-45\n",
         "readiness.yaml:3:16: invalid value '2026-13-45'"),
        ("version: 1\ntimeline:\n  pilot_start: next week\n",
         "readiness.yaml:3:16: timeline.pilot_start: expected a date YYYY-MM-DD, got 'next week'"),
        ("version: 1\ntimeline:\n  pilot_result: ../../etc/passwd\n",
         "readiness.yaml:3:17: timeline.pilot_result: expected a relative path inside the "
         "repository, got '../../etc/passwd'"),
        ("version: 1\ntimeline:\n  pilot_result: /etc/passwd\n",
         "expected a relative path inside the repository"),
        ("version: 1\nproject: a\nproject: b\n", "readiness.yaml:3:1: duplicate key 'project'"),
        ("version: 2\n", "readiness.yaml:1:10: version: expected one of 1, got 2"),
        ("- just\n- a list\n", "readiness.yaml:1:1: expected a mapping of settings, got a list"),
        ("version: 1\nworkflows:\n  - min_accuracy: 0.9\n",
         "readiness.yaml:3:5: workflows.0: missing required key 'name'"),
        ("version: 1\nworkflows:\n  - name: w\n    min_accuracy: 95\n",
         "readiness.yaml:4:19: workflows.0.min_accuracy: expected a number <= 1, got 95"),
        ("version: 1\nchecks:\n  waivers:\n    - check: llm-timeouts\n      reason: because\n",
         "readiness.yaml:4:7: checks.waivers.0: missing required key 'owner'"),
        ("version: 1\nchecks:\n  severity:\n    llm-timeouts: fatal\n",
         "checks.severity.llm-timeouts: expected one of blocker, major, minor, got 'fatal'"),
    ],
)
def test_bad_config_gives_one_line_with_file_line_column(tmp_path: Path, text: str,
                                                        expected: str) -> None:
    assert expected in error_of(tmp_path, text)


def test_yaml_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 8):
        lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [{','.join(['*' + chr(96 + i)] * 10)}]")
    message = error_of(tmp_path, "\n".join(lines) + "\n")
    assert "expands to more than" in message


def test_not_utf8_and_unreadable(tmp_path: Path) -> None:
    (tmp_path / "readiness.yaml").write_bytes(b"project: \xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path)


def test_layering_base_project_cli(tmp_path: Path) -> None:
    (tmp_path / "readiness.yaml").write_text(GOOD, encoding="utf-8")
    config = load_config(tmp_path, overrides={"thresholds": {"min_per_category": 50}})
    assert config.get("thresholds.min_examples") == 300  # project over base
    assert config.get("thresholds.confidence") == 0.95  # base kept
    assert config.get("thresholds.min_per_category") == 50  # flag over all
    assert config.origin("thresholds.min_examples") == "readiness.yaml"
    assert config.origin("thresholds.confidence") == "base profile"
    assert config.origin("thresholds.min_per_category") == "command line"
    assert config.project_name == "invoice-extractor"


def test_cli_override_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--set: thresholds.min_examples: expected an integer"):
        load_config(tmp_path, overrides={"thresholds": {"min_examples": "lots"}})


def test_no_config_uses_base_profile(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert not config.has_project_file
    assert config.get("thresholds.min_examples") == 500
    assert config.get("thresholds.soft_launch_band") == [0.10, 0.20]
    assert config.get("checks.defaults.llm-timeouts") == {"due_week": 6, "severity": "blocker"}
    assert config.project_name == tmp_path.name


def test_explicit_config_path_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path, config_path=tmp_path / "nope.yaml")


POLICY = """\
version: 1
thresholds:
  min_examples: 800
  accuracy_rule: lower_bound
workflows:
  - name: contracts
    min_accuracy: 0.97
checks:
  required: [llm-timeouts]
  severity: {feedback-loop: blocker}
"""

LAX = """\
version: 1
thresholds:
  min_examples: 100
  accuracy_rule: point_estimate
workflows:
  - name: contracts
    min_accuracy: 0.80
checks:
  disable: [llm-timeouts]
  severity: {feedback-loop: minor}
  waivers:
    - {check: llm-timeouts, reason: later, owner: Sam, expires: 2027-01-01}
"""


def test_policy_is_a_floor_the_project_cannot_lower(tmp_path: Path) -> None:
    (tmp_path / "readiness.yaml").write_text(LAX, encoding="utf-8")
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    config = load_config(tmp_path, policy_path=tmp_path / "policy.yaml")
    assert config.get("thresholds.min_examples") == 800
    assert config.origin("thresholds.min_examples") == "policy"
    assert config.get("thresholds.accuracy_rule") == "lower_bound"
    assert config.get("workflows")[0]["min_accuracy"] == 0.97
    assert config.get("checks.severity")["feedback-loop"] == "blocker"
    assert "llm-timeouts" not in config.disabled()
    assert config.waivers() == ()
    assert any("policy requires llm-timeouts" in n for n in config.notes)


def test_policy_raising_nothing_leaves_stricter_project(tmp_path: Path) -> None:
    (tmp_path / "readiness.yaml").write_text(
        "version: 1\nthresholds: {min_examples: 1000}\n", encoding="utf-8")
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    config = load_config(tmp_path, policy_path=tmp_path / "policy.yaml")
    assert config.get("thresholds.min_examples") == 1000
    assert config.origin("thresholds.min_examples") == "readiness.yaml"


def test_shipped_schema_is_valid_and_covers_the_example() -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(load_schema())
    assert json.loads((REPO / "readiness" / "schema.json").read_text()) == load_schema()


def test_top_level_example_config_is_valid_and_complete() -> None:
    doc = read_layer(REPO / "readiness.yaml", "readiness.yaml", REPO)
    schema_keys = set(load_schema()["properties"])
    assert set(doc.data) == schema_keys, "the example must show every top-level section"


def test_base_profile_is_valid() -> None:
    from readiness.config import base_profile, validate

    validate(base_profile(), REPO)
