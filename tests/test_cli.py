from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from readiness.cli import main
from readiness.config import load_config
from tests.conftest import MakeProject

COMPRESSED = """\
version: 1
project: rushed
timeline: {pilot_start: 2026-09-01, soft_launch: 2026-10-06, full_launch: 2026-10-20}
"""
ON_PLAN = """\
version: 1
project: steady
timeline: {pilot_start: 2026-09-01, soft_launch: 2026-11-24, full_launch: 2026-12-22,
           pilot_result: docs/pilot.md}
"""
REPORT = "# Pilot\n## Success criteria\n- 90%\n## Results\n- 93%\n"
# The verdict mechanics are tested on the timeline checks alone; the other checks have tests
# of their own and would make these fixtures grow with every capability.
DAY = ("--date", "2026-11-24", "--only", "pilot-success-criteria,timeline-realism")


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_go_no_go_and_exit_codes_agree(make_project: MakeProject) -> None:
    rushed = make_project({"readiness.yaml": COMPRESSED})
    code, out, _ = invoke("check", str(rushed), *DAY, "--format", "json")
    card = json.loads(out)
    assert (code, card["verdict"]) == (1, "NO_GO")
    assert card["reasons"][0].startswith("timeline-realism (blocker, due week 2")
    steady = make_project({"readiness.yaml": ON_PLAN, "docs/pilot.md": REPORT})
    code, out, _ = invoke("check", str(steady), *DAY, "--format", "json")
    assert (code, json.loads(out)["verdict"]) == (0, "GO")
    code, _, _ = invoke("check", str(rushed), *DAY, "--fail-on", "never")
    assert code == 0


def test_conditional_fails_only_when_asked(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": ON_PLAN})  # the pilot report is missing: major
    code, out, _ = invoke("check", str(root), *DAY, "-f", "json")
    assert (code, json.loads(out)["verdict"]) == (0, "CONDITIONAL_GO")
    code, _, _ = invoke("check", str(root), *DAY, "--fail-on", "conditional")
    assert code == 1


def test_json_contract_and_determinism(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": ON_PLAN, "docs/pilot.md": REPORT}, git=True)
    first = invoke("check", str(root), *DAY, "-f", "json")[1]
    second = invoke("check", str(root), *DAY, "-f", "json")[1]
    assert first == second
    card = json.loads(first)
    assert {"schema_version", "tool", "project", "date", "timeline", "gate", "verdict",
            "reasons", "scores", "results"} <= set(card)
    assert card["tool"]["name"] == "readiness"
    assert set(card["project"]) >= {"name", "root", "commit", "dirty"}
    assert len(card["project"]["commit"]) == 40 and card["project"]["dirty"] is False
    assert card["timeline"] == {"pilot_start": "2026-09-01", "week": 13, "phase": "soft launch",
                                "total_weeks": 16, "soft_launch": "2026-11-24",
                                "full_launch": "2026-12-22"}
    assert set(card["scores"]) == {"infrastructure", "quality", "adoption", "overall"}
    result = next(r for r in card["results"] if r["name"] == "pilot-success-criteria")
    assert {"code", "name", "gap", "severity", "due_week", "status", "message", "remediation",
            "evidence"} <= set(result)
    assert result["evidence"][0] == {"path": "docs/pilot.md", "line": 2,
                                     "note": "success criteria"}


def test_bad_config_is_one_line_and_exit_2(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": "version: 1\nthresholds:\n  min_examples: many\n"})
    code, out, err = invoke("check", str(root))
    assert code == 2 and out == ""
    assert err == ("readiness: error: readiness.yaml:3:17: thresholds.min_examples: expected an "
                   "integer, got 'many'\n")


@pytest.mark.parametrize("args", [
    ("check", "--date", "2026-02-30"),
    ("check", "--gate", "tomorrow"),
    ("check", "--only", "no-such-check"),
    ("explain", "no-such-check"),
    ("check", "--set", "thresholds.min_examples=lots"),
])
def test_usage_errors_exit_2_without_traceback(make_project: MakeProject,
                                               args: tuple[str, ...]) -> None:
    root = make_project({})
    code, _, err = invoke(*args[:1], *((str(root),) if args[0] == "check" else ()), *args[1:])
    assert code == 2
    assert "Traceback" not in err and err.strip()


def test_internal_error_exits_3_with_one_line(make_project: MakeProject,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("readiness.scan.scan", explode)
    code, _, err = invoke("check", str(make_project({})))
    assert code == 3
    assert err.startswith("readiness: internal error: RuntimeError: kaboom")
    assert err.count("\n") == 1


def test_colour_follows_no_color(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": ON_PLAN})
    _, plain, _ = invoke("check", str(root), *DAY)
    assert "\x1b" not in plain and "Week 13 of 16 · phase: soft launch" in plain
    _, coloured, _ = invoke("check", str(root), *DAY,
                            env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b[" in coloured


def test_output_file_and_report_rerender(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({"readiness.yaml": ON_PLAN, "docs/pilot.md": REPORT})
    saved = tmp_path / "card.json"
    code, out, err = invoke("check", str(root), *DAY, "-f", "json",
                            "-o", str(saved))
    assert code == 0 and out == "" and "wrote" in err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".card")] == []
    code, again, _ = invoke("report", str(saved), "-f", "json")
    assert code == 0 and again == saved.read_text()
    code, text, _ = invoke("report", str(saved))
    assert code == 0 and "GO for soft launch" in text
    (tmp_path / "junk.json").write_text('{"hello": 1}')
    code, _, err = invoke("report", str(tmp_path / "junk.json"))
    assert code == 2 and "not a readiness scorecard" in err


def test_no_config_says_what_to_configure_first(make_project: MakeProject) -> None:
    code, out, _ = invoke("check", str(make_project({"app.py": "x = 1\n"})), "-f", "json")
    hints = json.loads(out)["hints"]
    assert hints[0] == "no readiness.yaml: run `readiness init` to write a commented starter"
    assert any("timeline.pilot_start" in h for h in hints)


@pytest.mark.parametrize("template", ["extraction", "assistant", "triage"])
def test_init_writes_valid_starters_and_never_overwrites(make_project: MakeProject,
                                                         template: str) -> None:
    root = make_project({})
    code, out, _ = invoke("init", str(root), "-t", template, "--pilot-start", "2026-09-07")
    assert code == 0 and "wrote" in out
    config = load_config(root)
    assert config.get("timeline.pilot_start") == "2026-09-07"
    assert config.get("timeline.soft_launch") == "2026-11-30"  # week 13
    assert config.project_name == root.name
    assert config.get("workflows")
    before = (root / "readiness.yaml").read_text()
    code, _, err = invoke("init", str(root), "-t", "triage")
    assert code == 2 and "already exists; use --force" in err
    assert (root / "readiness.yaml").read_text() == before
    assert invoke("init", str(root), "-t", template, "--force")[0] == 0


def test_list_explain_schema_timeline(make_project: MakeProject) -> None:
    code, out, _ = invoke("list", str(make_project({})), "-f", "json")
    rows = json.loads(out)
    assert {"code": "TML002", "name": "timeline-realism", "gap": "timeline", "due_week": 2,
            "severity": "blocker", "title": "Does the plan leave enough weeks for every phase?",
            "source": "built-in"} in rows
    code, out, _ = invoke("explain", "TML002")
    assert code == 0 and "Why it matters:" in out and "Remediation:" in out
    code, out, _ = invoke("schema")
    assert json.loads(out)["title"] == "readiness.yaml"
    root = make_project({"readiness.yaml": ON_PLAN})
    code, out, _ = invoke("timeline", str(root), "--date", "2026-10-06")
    assert code == 0
    assert out.splitlines()[0] == "steady: week 6 of 16 (infrastructure & integration), 2026-10-06"
    assert "▶ weeks 3-6" in out


def test_python_dash_m_and_lazy_imports() -> None:
    out = subprocess.run([sys.executable, "-m", "readiness", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith("readiness, version ")
    probe = ("import sys\nfrom readiness.cli import main\ntry:\n    main(['--help'])\n"
             "except SystemExit:\n    pass\n"
             "print(sorted(m for m in ('rich', 'jsonschema', 'git', 'yaml', 'markdown_it')"
             " if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip().splitlines()[-1]
    assert loaded == "[]"


@pytest.mark.parametrize(("fmt", "marker"), [
    ("markdown", "NO-GO for soft launch"), ("html", "<!DOCTYPE html>"),
    ("sarif", '"version": "2.1.0"'), ("junit", "<testsuites"),
])
def test_every_format_from_check_and_from_report(make_project: MakeProject, tmp_path: Path,
                                                 fmt: str, marker: str) -> None:
    root = make_project({"readiness.yaml": COMPRESSED})
    code, direct, _ = invoke("check", str(root), *DAY, "-f", fmt)
    assert code == 1 and marker in direct
    saved = tmp_path / "card.json"
    invoke("check", str(root), *DAY, "-f", "json", "-o", str(saved))
    code, again, _ = invoke("report", str(saved), "-f", fmt)
    assert code == 0 and again == direct
    assert invoke("report", str(saved), "-f", fmt, "--fail-on", "no-go")[0] == 1


def test_baseline_counts_only_new_or_worse(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({"readiness.yaml": ON_PLAN})  # pilot report missing: CONDITIONAL_GO
    saved = tmp_path / "base.json"
    invoke("check", str(root), *DAY, "-f", "json", "-o", str(saved))
    code, out, _ = invoke("check", str(root), *DAY, "-f", "json",
                          "--baseline", str(saved), "--fail-on", "conditional")
    card = json.loads(out)
    assert (code, card["verdict"]) == (0, "GO")
    known = next(r for r in card["results"] if r["name"] == "pilot-success-criteria")
    assert known["in_baseline"] is True and known["status"] == "fail"
    assert card["notes"][0] == ("baseline of 2026-11-24: 1 known finding(s) shown but not "
                                "counted, 0 new or worse")
    (root / "readiness.yaml").write_text(COMPRESSED)  # a new blocker appears
    code, out, _ = invoke("check", str(root), *DAY, "-f", "json",
                          "--baseline", str(saved))
    assert (code, json.loads(out)["verdict"]) == (1, "NO_GO")


def test_baseline_banner_never_says_go_over_known_blockers(make_project: MakeProject,
                                                          tmp_path: Path) -> None:
    root = make_project({"readiness.yaml": COMPRESSED})  # timeline-realism: a blocker fails
    saved = tmp_path / "base.json"
    invoke("check", str(root), *DAY, "-f", "json", "-o", str(saved))
    code, out, _ = invoke("check", str(root), *DAY, "-f", "json", "--baseline", str(saved))
    card = json.loads(out)
    assert (code, card["verdict"]) == (0, "GO")  # nothing new: the exit code lets it pass
    assert card["reasons"] == ["no new findings; 1 known blocker still open: timeline-realism"]
    code, out, _ = invoke("check", str(root), *DAY, "--baseline", str(saved), "--compact")
    banner = out.splitlines()[2]
    assert "NO NEW FINDINGS against the baseline; 1 known blocker still open" in banner
    assert "GO" not in banner and "pass or are waived" not in out
    assert "• no new findings; 1 known blocker still open: timeline-realism" in out
    _, md, _ = invoke("check", str(root), *DAY, "--baseline", str(saved), "-f", "markdown")
    assert "> **NO NEW FINDINGS (baseline)**" in md and "[!WARNING]" in md


def test_compact_summary(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": COMPRESSED})
    code, out, _ = invoke("check", str(root), *DAY, "--compact")
    assert code == 1 and "NO-GO" in out
    assert "TIMELINE" not in out and "Notes" not in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(" 1. timeline-realism"))
    # each next action says where: path:line (the check tables are not shown)
    assert any(line.strip() == "at readiness.yaml:3" for line in lines[first:first + 5])


def test_evals_command_table_and_json() -> None:
    from tests.checks.test_quality import REPO

    results = str(REPO / "tests/data/evals/promptfoo/results.json")
    code, out, _ = invoke("evals", results, "-f", "json")
    data = json.loads(out)
    assert code == 0
    assert data["overall"] == {"accuracy": 0.7, "errors": 1, "n": 10, "passed": 7,
                               "wilson_high": 0.8922, "wilson_low": 0.3968}
    assert data["by_category"]["contract"]["n"] == 3
    code, table, _ = invoke("evals", results)
    assert "contract" in table and "◀ weakest" in table
    code, _, err = invoke("evals", str(REPO / "README.md"))
    assert code == 2 and "README.md" in err and "Traceback" not in err


def test_evals_command_errors_name_the_flags_not_readiness_yaml(tmp_path: Path) -> None:
    table = tmp_path / "graded.csv"
    table.write_text("id,kind,verdict,score\n1,nda,yes,0.4\n", encoding="utf-8")
    code, _, err = invoke("evals", str(table), "--correct", "is_correct")
    assert code == 2 and "Traceback" not in err
    assert "column 'is_correct' (--correct) is not in the header" in err
    assert "readiness.yaml" not in err and "fields." not in err
    code, _, err = invoke("evals", str(table), "--score", "score")
    assert code == 2 and "no threshold: set --threshold ..." in err
    assert "readiness.yaml" not in err
    code, _, err = invoke("evals", str(table))  # no flags, no conventional outcome column
    assert code == 2 and "name the fields with --id, --category and --correct" in err
    assert "readiness.yaml" not in err


def test_usage_command_json() -> None:
    from tests.checks.test_quality import REPO

    log = str(REPO / "tests/data/telemetry/litellm_payload.jsonl")
    code, out, _ = invoke("usage", log, "-f", "json")
    assert code == 0 and json.loads(out)["summary"]["calls"] > 0


def test_full_launch_gate_asks_for_measured_adoption(make_project: MakeProject) -> None:
    model = "from openai import OpenAI\n\nclient = OpenAI(timeout=30)\n"  # an AI feature to adopt
    root = make_project({"readiness.yaml": ON_PLAN, "docs/pilot.md": REPORT, "app/ai.py": model})
    args = ("check", str(root), "-f", "json", "--only", "adoption-metrics")
    early = json.loads(invoke(*args, "--date", "2026-11-24")[1])  # week 13: on track
    assert early["results"][0]["message"].startswith("usage is not measured")
    full = json.loads(invoke(*args, "--date", "2026-12-22", "--gate", "full-launch")[1])
    assert full["results"][0]["message"].startswith("the full-launch gate needs")


def test_quick_start_example_scorecard() -> None:
    """The example a newcomer sees first: week 12, NO-GO, with evidence they can act on."""
    from tests.checks.test_quality import REPO

    example = str(REPO / "examples" / "pilot-app")
    code, out, _ = invoke("check", example, "--date", "2026-11-24", "--no-cache")
    assert code == 1
    assert "Week 12 of 16 · phase: training & change management" in out
    assert "NO-GO: on track for soft launch" in out
    assert "app/summarise.py:9" in out
    assert "vendor-contracts   612  90.5%  87.9%–92.6%  95.0%  lower bound" in out
    assert "Cost: pilot $0.48/day → full launch $120.00/day" in out
    card = json.loads(invoke("check", example, "--date", "2026-11-24", "-f", "json")[1])
    timeouts = next(r for r in card["results"] if r["name"] == "llm-timeouts")
    assert timeouts["evidence"][0]["path"] == "app/summarise.py"
    assert timeouts["evidence"][0]["line"] == 9
    assert card["scores"]["overall"] == min(card["scores"][g] for g in
                                            ("infrastructure", "quality", "adoption"))


@pytest.mark.parametrize(("args", "message"), [
    (("check", "--date", "2026-13-45"),
     "readiness: error: --date: expected a date YYYY-MM-DD, got '2026-13-45'\n"),
    (("check", "--gate", "soft"),
     "readiness: error: --gate: expected soft-launch or full-launch, got 'soft'\n"),
    (("timeline", "--date", "tomorrow"),
     "readiness: error: --date: expected a date YYYY-MM-DD, got 'tomorrow'\n"),
    (("init", "--pilot-start", "monday"),
     "readiness: error: --pilot-start: expected a date YYYY-MM-DD, got 'monday'\n"),
])
def test_date_and_gate_errors_are_one_line(args: tuple[str, ...], message: str,
                                            tmp_path: Path) -> None:
    code, out, err = invoke(*args[:1], str(tmp_path), *args[1:])
    assert (code, out, err) == (2, "", message)


def test_gate_still_accepts_both_gates(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": ON_PLAN, "docs/pilot.md": REPORT})
    for gate in ("soft-launch", "full-launch"):
        code, out, _ = invoke("check", str(root), *DAY, "--gate", gate, "-f", "json")
        assert json.loads(out)["gate"] == gate


def test_a_sub_folder_finds_the_work_tree_roots_config(make_project: MakeProject,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project({"readiness.yaml": ON_PLAN, "docs/pilot.md": REPORT,
                         "src/app/main.py": "x = 1\n"}, git=True)
    monkeypatch.chdir(root / "src" / "app")
    code, out, _ = invoke("check", *DAY, "-f", "json")
    card = json.loads(out)
    assert (code, card["project"]["name"], card["verdict"]) == (0, "steady", "GO")
    assert card["notes"][0] == ("config: ../../readiness.yaml (no readiness.yaml here; the "
                                "project scanned is ../.., where it is)")
    code, out, _ = invoke("timeline", "--date", "2026-11-24")
    assert out.startswith("steady: week 13 of 16")
    assert out.endswith("note: config: ../../readiness.yaml (no readiness.yaml here; the "
                        "project scanned is ../.., where it is)\n")
    # an explicit PATH is scanned as asked, and the file not used is named
    code, out, _ = invoke("check", ".", *DAY, "-f", "json")
    card = json.loads(out)
    assert card["project"]["name"] != "steady"
    assert card["notes"][0] == ("no readiness.yaml in .: the built-in profile was used, not "
                                "../../readiness.yaml (scan ../.. or pass --config "
                                "../../readiness.yaml)")


def test_a_config_above_the_work_tree_is_another_projects(make_project: MakeProject,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    outer = make_project({"readiness.yaml": COMPRESSED, "inner/app.py": "x = 1\n"})
    (outer / "inner" / ".git").mkdir()  # the work tree root: the search stops here
    monkeypatch.chdir(outer / "inner")
    code, out, _ = invoke("check", *DAY, "-f", "json")
    card = json.loads(out)
    assert card["project"]["name"] != "rushed"
    assert not any("readiness.yaml" in note for note in card["notes"])


def test_the_readme_sample_is_what_the_example_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    import re
    import shlex

    repo = Path(__file__).resolve().parent.parent
    readme = (repo / "README.md").read_text(encoding="utf-8")
    block = readme.split("## What you see", 1)[1].split("```\n", 2)[1]
    command, _, shown = block.partition("\n")
    assert command.startswith("$ readiness check examples/pilot-app")
    monkeypatch.delenv("COLUMNS", raising=False)  # not a terminal: 100 columns
    monkeypatch.chdir(repo)
    code, out, _ = invoke(*shlex.split(command)[2:])
    assert code == 1

    def normal(text: str) -> list[str]:  # the example lives in this repository's history
        text = re.sub(r"@ [0-9a-f]{7} \((?:clean|dirty)\)", "@ COMMIT", text)
        return [line.rstrip() for line in text.splitlines()]

    assert normal(shown) == normal(out)
