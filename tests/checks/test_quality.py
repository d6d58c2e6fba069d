from __future__ import annotations

from pathlib import Path

from readiness.checks.quality.evals import (
    accuracy_by_category,
    accuracy_meets_threshold,
    accuracy_thresholds,
    eval_edge_cases,
    eval_sample_size,
)

from readiness.config import load_config
from readiness.model import Credit, Finding, Status
from readiness.project import Project
from tests.conftest import MakeProject

REPO = Path(__file__).resolve().parents[2]
PROMPTFOO = (REPO / "tests/data/evals/promptfoo/results.json").read_text()


def csv_rows(groups: list[tuple[str, int, int, str]]) -> str:
    """(category, n, passed, tags) groups as a generic CSV with exact counts."""
    lines = ["id,category,correct,tags"]
    index = 0
    for category, n, passed, tags in groups:
        for i in range(n):
            lines.append(f"ex-{index},{category},{'yes' if i < passed else 'no'},{tags}")
            index += 1
    return "\n".join(lines) + "\n"


# 540 examples, 501 passed (92.8%, 95% CI 90.3-94.7%).
STANDARD = [("standard", 300, 291, ""), ("scanned", 200, 180, ""),
            ("missing_clause", 40, 30, "edge_case")]
WORKFLOW = """\
version: 1
workflows:
  - name: contracts
    min_accuracy: {min}
    agreed_with: [legal-ops team]
    evals:
      - path: evals/contracts.csv
        fields: {{id: id, category: category, correct: correct, tags: tags}}
{extra}"""


def project(make_project: MakeProject, groups: list[tuple[str, int, int, str]] = STANDARD,
            minimum: float = 0.85, extra: str = "") -> Path:
    return make_project({"readiness.yaml": WORKFLOW.format(min=minimum, extra=extra),
                         "evals/contracts.csv": csv_rows(groups)})


def run(check: object, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))  # type: ignore[attr-defined,no-any-return]


def test_thresholds_agreed_pass_with_config_evidence(make_project: MakeProject) -> None:
    finding = run(accuracy_thresholds, project(make_project))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert finding.message == "thresholds agreed: contracts 85.0% with legal-ops team"
    assert [str(e) for e in finding.evidence] == ["readiness.yaml:4"]


def test_thresholds_missing_or_unagreed(make_project: MakeProject) -> None:
    none = run(accuracy_thresholds, make_project({"readiness.yaml": "version: 1\n",
                                                  "app.py": "import anthropic\n"}))
    assert none.status is Status.FAIL and none.message == "no workflows in readiness.yaml"
    nameless = make_project({"readiness.yaml": "version: 1\nworkflows:\n  - name: a\n"
                                               "    min_accuracy: 0.9\n  - name: b\n"})
    assert run(accuracy_thresholds, nameless).message == "no min_accuracy for b"
    unagreed = make_project({"readiness.yaml": "version: 1\nworkflows:\n  - name: a\n"
                                               "    min_accuracy: 0.9\n"})
    finding = run(accuracy_thresholds, unagreed)
    assert (finding.status, finding.credit) == (Status.WARN, Credit.CLAIMED)


def test_sample_size(make_project: MakeProject) -> None:
    ok = run(eval_sample_size, project(make_project))
    assert (ok.status, ok.message) == (Status.PASS, "enough examples: contracts 540/500")
    assert [str(e) for e in ok.evidence] == ["evals/contracts.csv"]
    short = run(eval_sample_size, project(make_project, extra="    min_examples: 600\n"))
    assert (short.status, short.message) == (Status.FAIL, "too few examples: contracts 540/600")
    missing = make_project({"readiness.yaml": WORKFLOW.format(min=0.9, extra="")})
    finding = run(eval_sample_size, missing)
    assert finding.message.startswith("eval path 'evals/contracts.csv' of workflow contracts "
                                      "matches no file in the repository")
    assert [str(e) for e in finding.evidence] == ["readiness.yaml:7"]


def test_sample_size_on_discovered_promptfoo_results(make_project: MakeProject) -> None:
    root = make_project({"evals/output/results.json": PROMPTFOO, "app.py": "x = 1\n"})
    finding = run(eval_sample_size, root)
    assert (finding.status, finding.message) == (
        Status.FAIL, "too few examples: discovered results 10/500")
    assert [str(e) for e in finding.evidence] == ["evals/output/results.json"]
    nothing = run(eval_sample_size, make_project({"app.py": "import openai\n"}))
    assert nothing.status is Status.FAIL and nothing.message.startswith("no eval results found")


def test_edge_cases(make_project: MakeProject) -> None:
    ok = run(eval_edge_cases, project(make_project))
    assert (ok.status, ok.message) == (Status.PASS,
                                       "edge cases present: contracts 40 tagged "
                                       "edge_case/edge-case/edge")
    untagged = [(c, n, p, "") for c, n, p, _ in STANDARD]
    none = run(eval_edge_cases, project(make_project, untagged))
    assert none.status is Status.FAIL and none.message.startswith("no edge cases: contracts 0")
    few = [("standard", 500, 480, ""), ("odd", 5, 3, "edge_case")]
    assert run(eval_edge_cases, project(make_project, few)).status is Status.WARN


def test_point_estimate_passes_but_lower_bound_does_not(make_project: MakeProject) -> None:
    strict = run(accuracy_meets_threshold, project(make_project, minimum=0.92))
    assert strict.status is Status.FAIL
    assert strict.message == ("contracts 92.8% (95% CI 90.3%–94.7%, n=540) < 92.0% agreed "
                              "(lower bound)")
    lenient = run(accuracy_meets_threshold,
                  project(make_project, minimum=0.92, extra="    rule: point_estimate\n"))
    assert lenient.status is Status.PASS
    assert lenient.message == ("contracts 92.8% (95% CI 90.3%–94.7%, n=540) >= 92.0% agreed "
                               "(point estimate)")


def test_errors_count_as_not_passed(make_project: MakeProject) -> None:
    root = make_project({
        "readiness.yaml": "version: 1\nworkflows:\n  - name: docs\n    min_accuracy: 0.5\n"
                          "    agreed_with: [ops]\n    evals: [{path: evals/results.json}]\n",
        "evals/results.json": PROMPTFOO})
    finding = run(accuracy_meets_threshold, root)
    assert finding.message == ("docs 70.0% (95% CI 39.7%–89.2%, n=10, 1 errors) < 50.0% agreed "
                               "(lower bound)")


def test_by_category_names_weak_and_small_categories(make_project: MakeProject) -> None:
    weak = run(accuracy_by_category, project(make_project, minimum=0.85))
    assert weak.status is Status.FAIL
    assert weak.message == ("below threshold: contracts/missing_clause 75.0% measured, 95% CI "
                            "lower bound 59.8% < 85.0%; contracts weakest: missing_clause 75.0% "
                            "(95% CI 59.8%–85.8%, n=40)")
    small = [("standard", 300, 291, ""), ("rare", 10, 8, "")]
    finding = run(accuracy_by_category, project(make_project, small, minimum=0.9))
    assert finding.status is Status.WARN
    assert finding.message.startswith("too small to tell: contracts/rare n=10 < 30;")


def test_by_category_shows_the_measured_accuracy_and_labels_the_bound(
        make_project: MakeProject) -> None:
    # letters: 240 of 300 correct, 80.0% measured; the 95% lower bound is 75.1%.
    groups = [("invoices", 300, 291, ""), ("letters", 300, 240, ""), ("memos", 12, 11, "")]
    strict = run(accuracy_by_category, project(make_project, groups, minimum=0.78))
    assert strict.status is Status.FAIL
    assert strict.message.startswith(
        "below threshold: contracts/letters 80.0% measured, 95% CI lower bound 75.1% < 78.0%; "
        "too small to tell: contracts/memos n=12 < 30; contracts weakest: letters 80.0%")
    assert "75.1% < 78.0%" in strict.message and "letters 75.1%" not in strict.message
    # By the point estimate, 80.0% clears 78% and nothing but the small category is left.
    lenient = run(accuracy_by_category, project(make_project, groups, minimum=0.78,
                                                extra="    rule: point_estimate\n"))
    assert lenient.status is Status.WARN
    assert lenient.message.startswith("too small to tell: contracts/memos n=12 < 30;")
    below = run(accuracy_by_category, project(make_project, groups, minimum=0.85,
                                              extra="    rule: point_estimate\n"))
    assert below.message.startswith("below threshold: contracts/letters 80.0% < 85.0%;")
    good = [("standard", 300, 291, ""), ("scanned", 200, 196, "")]
    assert run(accuracy_by_category, project(make_project, good, minimum=0.9)).status \
        is Status.PASS


def test_malformed_eval_file_is_a_located_failure(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": WORKFLOW.format(min=0.9, extra=""),
                         "evals/contracts.csv": "id,category,correct,tags\n1,a,maybe,\n"})
    finding = run(accuracy_meets_threshold, root)
    assert finding.status is Status.FAIL
    assert finding.message.startswith("eval results of contracts cannot be read: "
                                      "evals/contracts.csv:2")
    assert [str(e) for e in finding.evidence] == ["evals/contracts.csv:2"]
