"""Finding eval results in a repository without config."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from readiness.evals import discover_eval_files
from readiness.project.snapshot import Project, Skipped

DATA = Path(__file__).parent / "data" / "evals"
INSPECT_OLD = next((DATA / "inspect" / "logs-0.3.100").glob("*.eval"))
INSPECT_JSON = next((DATA / "inspect" / "logs-0.3.285").glob("*.json"))
INSPECT_ZSTD = next((DATA / "inspect" / "logs-0.3.285").glob("*.eval"))


def _make(root: Path, files: dict[str, Path | str | bytes]) -> Project:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return Project(root, use_git=False)


def test_results_are_found_and_inputs_and_configs_are_not(tmp_path: Path) -> None:
    project = _make(tmp_path, {
        "promptfooconfig.yaml": DATA / "promptfoo" / "promptfooconfig.yaml",
        "evals/results.json": DATA / "promptfoo" / "results.json",
        "evals/client.csv": DATA / "generic" / "client.csv",  # has an is_correct column
        "evals/inference-free.csv": "doc_id,doc_type,verdict\n1,nda,ok\n",  # no outcome
        "evals/dataset.jsonl": DATA / "lm_eval" / "tasks" / "qa.jsonl",  # inputs only
        "evals/broken.json": (DATA / "promptfoo" / "results.json").read_bytes()[:3000],
        "evals/ambiguous.csv": "id,correct,passed\n1,yes,no\n",
        "evals/README.md": "# how we evaluate\n",
        "src/app.py": "print('hi')\n",
        "data/output.csv": "id,success\n1,true\n",  # a table outside eval folders
        "reports/promptfoo-output.jsonl": DATA / "promptfoo" / "results.jsonl",
        "package.json": '{"name": "app", "results": []}',
    })
    found, skipped = discover_eval_files(project)
    assert found == ["evals/client.csv", "evals/results.json",
                     "reports/promptfoo-output.jsonl"]
    assert [s.path for s in skipped] == ["evals/ambiguous.csv", "evals/broken.json"]
    assert skipped[0].reason.startswith("generic results with several outcome columns")
    assert skipped[1].reason.startswith("truncated JSON")


def test_a_folder_named_for_evals_among_other_things(tmp_path: Path) -> None:
    # cognee keeps LoCoMo results beside the code and configs of its eval_framework/
    judged = [{"question_idx": 0, "metrics": {"llm_judge": {"score": 1.0}}}]
    project = _make(tmp_path, {
        "app/eval_framework/locomo/report_artifacts/qa/locomo_metrics_conv0_run0.json":
            json.dumps(judged),
        "app/eval_framework/locomo/configs/hybrid.json": '{"top_k": 20}',  # no result
        "app/eval_framework/data/sources.json": '[{"url": "https://example.org"}]',  # inputs
        "app/evals_v2/client.csv": DATA / "generic" / "client.csv",
        "app/evaluator/scores.csv": "id,passed\n1,yes\n",  # not named for evals
        "app/medieval_texts/table.csv": "id,passed\n1,yes\n",
    })
    found, skipped = discover_eval_files(project)
    assert found == ["app/eval_framework/locomo/report_artifacts/qa/locomo_metrics_conv0_run0.json",
                     "app/evals_v2/client.csv"]
    assert skipped == []  # the folder's other data files are no unreadable results


def test_inspect_logs_keep_the_newest_run_per_task(tmp_path: Path) -> None:
    older = "logs/2026-01-01T10-00-00+00-00_readiness-fixture_AAAAAAAAAAAAAAAAAAAAAA.eval"
    newer = "logs/" + INSPECT_JSON.name
    project = _make(tmp_path, {
        older: INSPECT_OLD,
        newer: INSPECT_JSON,
        "logs/2026-02-01T10-00-00+00-00_other-task_BBBBBBBBBBBBBBBBBBBBBB.eval": INSPECT_OLD,
        "logs/app.json": '{"level": "info", "msg": "started"}',  # an application log
        "logs/server.log": "started\n",
    })
    found, skipped = discover_eval_files(project)
    assert found == ["logs/2026-02-01T10-00-00+00-00_other-task_BBBBBBBBBBBBBBBBBBBBBB.eval",
                     newer]
    assert skipped == [Skipped(older, f"older run of task 'readiness-fixture'; the newest "
                                      f"({INSPECT_JSON.name}) is used")]


def test_lm_eval_prefers_samples_and_deepeval_prefers_its_run_files(tmp_path: Path) -> None:
    out = DATA / "lm_eval" / "out"
    files: dict[str, Path | str | bytes] = {f"lm/{p.name}": p for p in out.iterdir()}
    files.update({
        "lm/samples_readiness_qa_2026-01-01T00-00-00.000001.jsonl":
            next(out.glob("samples_readiness_qa_*")),
        "deepeval/test_run_20261124_234031.json":
            DATA / "deepeval" / "results" / "test_run_20261124_234031.json",
        ".deepeval/.latest_test_run.json":
            DATA / "deepeval" / ".deepeval" / ".latest_test_run.json",
    })
    found, skipped = discover_eval_files(_make(tmp_path, files))
    samples_qa = next(out.glob("samples_readiness_qa_*")).name
    assert found == ["deepeval/test_run_20261124_234031.json",
                     f"lm/{next(out.glob('samples_readiness_mc_*')).name}",
                     f"lm/{samples_qa}"]
    reasons = {s.path: s.reason for s in skipped}
    assert reasons == {
        ".deepeval/.latest_test_run.json":
            "DeepEval's copy of its latest run; the test_run_*.json files are used",
        f"lm/{next(out.glob('results_*')).name}":
            "aggregate lm-eval results; the per-sample logs in the same folder are used",
        "lm/samples_readiness_qa_2026-01-01T00-00-00.000001.jsonl":
            f"older run of task 'readiness_qa'; the newest ({samples_qa}) is used",
    }


def test_unreadable_candidates_are_reported_not_raised(tmp_path: Path) -> None:
    project = _make(tmp_path, {
        "evals/run.eval": b"PK\x03\x04 truncated",
        "evals/blob.json": bytes(range(256)),
        "evals/empty.jsonl": b"",
        "results/promptfoo_results.csv": "not,a,promptfoo\nfile,at,all\n",
    })
    found, skipped = discover_eval_files(project)
    assert found == []
    assert [s.path for s in skipped] == ["evals/blob.json", "evals/empty.jsonl",
                                         "evals/run.eval"]
    assert all(s.reason and "\n" not in s.reason for s in skipped)


def test_a_repository_without_results(tmp_path: Path) -> None:
    project = _make(tmp_path, {"README.md": "# app\n", "src/main.py": "x = 1\n"})
    assert discover_eval_files(project) == ([], [])
