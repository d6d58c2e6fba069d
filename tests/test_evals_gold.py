"""Gold sets: labelled inputs read from JSONL, JSON, CSV and YAML, and the harness files that
name them (promptfoo, Inspect AI, DeepEval, a scoring script), read without running them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readiness.evals.gold import NotGold, group, read_gold, tag_matches
from readiness.evals.goldfind import find_gold, python_refs
from readiness.project import Project
from tests.conftest import MakeProject

EDGE = frozenset({"edge_case", "edge-case", "edge"})


def jsonl(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_jsonl_rows_with_workflow_category_and_nested_tags(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(jsonl([
        {"input": "Refund for order 1?", "expected_output": "yes", "workflow": "support",
         "category": "refunds", "metadata": {"tags": ["edge_case:partial"]}},
        {"question": "  refund for ORDER 1? ", "answer": "yes", "task": "support",
         "category": "refunds"},
        {"input": "Summarise the memo", "expected_output": "...", "workflow": "summarise",
         "tags": "edge-router, billing"},
    ]), encoding="utf-8")
    rows = read_gold(path, "evals/gold.jsonl")
    assert [r.where for r in rows] == ["evals/gold.jsonl:1", "evals/gold.jsonl:2",
                                       "evals/gold.jsonl:3"]
    assert [(r.workflow, r.category, r.tags) for r in rows] == [
        ("support", "refunds", ("edge_case:partial",)), ("support", "refunds", ()),
        ("summarise", None, ("edge-router", "billing"))]
    assert rows[0].key == rows[1].key  # whitespace and case do not make a new input
    groups = group([("evals/gold.jsonl", r) for r in rows])
    assert [(g.workflow, g.rows, g.distinct, g.edge_cases(EDGE)) for g in groups] == [
        ("summarise", 1, 1, 0), ("support", 2, 1, 1)]


def test_csv_slice_columns_and_edge_flag(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("text,label,category,edge_case:ocr,edge_case\n"
                    "scan 1,invoice,invoices,yes,\n"
                    "scan 2,invoice,invoices,no,\n"
                    "scan 3,receipt,receipts,,true\n", encoding="utf-8")
    rows = read_gold(path, "data/cases.csv")
    assert [r.tags for r in rows] == [("edge_case:ocr",), (), ("edge_case",)]
    assert [r.where for r in rows] == ["data/cases.csv:2", "data/cases.csv:3",
                                       "data/cases.csv:4"]


def test_yaml_list_and_promptfoo_tests_with_locations(tmp_path: Path) -> None:
    path = tmp_path / "golden.yaml"
    path.write_text("- question: What is the VAT rate?\n  answer: 20%\n  tags: [edge_case]\n"
                    "- question: Who signs?\n  answer: the CFO\n", encoding="utf-8")
    rows = read_gold(path, "golden/golden.yaml")
    assert [(r.where, r.tags) for r in rows] == [("golden/golden.yaml:1", ("edge_case",)),
                                                 ("golden/golden.yaml:4", ())]
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text("prompts: [file://prompt.txt]\nproviders: [openai:gpt-4o-mini]\n"
                      "tests:\n  - vars: {doc: a}\n    assert: [{type: contains, value: x}]\n"
                      "  - vars: {doc: b}\n    assert: [{type: contains, value: y}]\n",
                      encoding="utf-8")
    assert [r.where for r in read_gold(config, "promptfooconfig.yaml")] == [
        "promptfooconfig.yaml:4", "promptfooconfig.yaml:6"]


@pytest.mark.parametrize(("name", "text"), [
    ("settings.json", '{"model": "gpt-4o", "temperature": 0}'),
    ("prompts.jsonl", '{"input": "hi"}\n{"input": "there"}\n'),  # no expected output
    ("vocab.csv", "word,count\nedge,3\n"),
    ("ci.yaml", "jobs:\n  test:\n    runs-on: ubuntu-latest\n"),
])
def test_files_without_inputs_and_expected_outputs_are_not_gold(tmp_path: Path, name: str,
                                                                 text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NotGold):
        read_gold(path, name)


def test_tags_match_whole_tokens_only() -> None:
    assert tag_matches("edge_case:ocr", EDGE) and tag_matches("Edge-Case", EDGE)
    assert tag_matches("slice/edge", EDGE)
    assert not tag_matches("edge-router", EDGE)
    assert not tag_matches("knowledge", EDGE) and not tag_matches("edgecase_x", EDGE)


INSPECT_TASK = '''\
from inspect_ai import Task, task
from inspect_ai.dataset import csv_dataset, json_dataset
from inspect_ai.scorer import match

DATA = pick_the_file()  # not a constant: never followed


@task
def invoices():
    return Task(dataset=json_dataset("data/invoices.jsonl"), scorer=match())


@task
def letters():
    return Task(dataset=csv_dataset(csv_file="../datasets/letters.csv"), scorer=match())


@task
def elsewhere():
    return Task(dataset=json_dataset(DATA))


raise SystemExit("never executed by readiness")
'''

DEEPEVAL_TEST = '''\
from deepeval.dataset import EvaluationDataset

dataset = EvaluationDataset()
dataset.add_test_cases_from_json_file(
    file_path="benchmarks/goldens.json",
    input_key_name="query",
    expected_output_key_name="ideal_answer",
)
'''

SCORING_SCRIPT = '''\
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--gold", default="data/gold.csv", help="labelled cases")
parser.add_argument("--out", default="report.md")
'''


def test_python_references_are_read_with_ast() -> None:
    assert python_refs(INSPECT_TASK) == [
        ("data/invoices.jsonl", 10, None, None), ("../datasets/letters.csv", 15, None, None)]
    assert python_refs(DEEPEVAL_TEST) == [
        ("benchmarks/goldens.json", 4, "query", "ideal_answer")]
    assert python_refs(SCORING_SCRIPT) == [("data/gold.csv", 4, None, None)]
    assert python_refs("def broken(:\n    json_dataset('x.jsonl')\n") == []


def test_gold_sets_found_through_harness_files(make_project: MakeProject) -> None:
    invoices = jsonl([{"input": f"invoice {i}", "target": str(i)} for i in range(5)])
    goldens = json.dumps([{"query": f"q{i}", "ideal_answer": f"a{i}"} for i in range(4)])
    root = make_project({
        "app/main.py": "import openai\n",
        "tasks/invoices.py": INSPECT_TASK,
        "tasks/data/invoices.jsonl": invoices,
        "datasets/letters.csv": "input,expected\nDear Sir,formal\n",
        "tests/test_rag.py": DEEPEVAL_TEST,
        "benchmarks/goldens.json": goldens,
        "scripts/score.py": SCORING_SCRIPT,
        "data/gold.csv": "text,label\nhello,greeting\nbye,farewell\n",
        "promptfooconfig.yaml": "prompts: [file://p.txt]\nproviders: [openai:gpt-4o]\n"
                                "tests: file://tests/cases/*.csv\n",
        "tests/cases/a.csv": "doc,__expected\ninvoice 1,contains:1\ninvoice 2,contains:2\n",
        "notes/data.jsonl": invoices,  # named by nothing, in no eval folder: not a gold set
    })
    found = {f.path: (len(f.rows), f.named_by) for f in find_gold(Project(root), frozenset(),
                                                                   {})}
    assert found == {
        "tasks/data/invoices.jsonl": (5, "tasks/invoices.py:10"),
        "datasets/letters.csv": (1, "tasks/invoices.py:15"),
        "benchmarks/goldens.json": (4, "tests/test_rag.py:4"),
        "data/gold.csv": (2, "scripts/score.py:4"),
        "tests/cases/a.csv": (2, "promptfooconfig.yaml:3"),
    }


def test_references_outside_the_repository_and_result_files_are_left_out(
        make_project: MakeProject, tmp_path: Path) -> None:
    (tmp_path / "secret.jsonl").write_text(jsonl([{"input": "x", "target": "y"}]))
    root = make_project({
        "task.py": "from inspect_ai.dataset import json_dataset\n"
                   "d = json_dataset('../secret.jsonl')\ne = json_dataset('/etc/passwd')\n",
        "evals/gold.jsonl": jsonl([{"input": "x", "expected": "y"}]),
    }, name="inner")
    assert find_gold(Project(root), frozenset(), {}) != ()
    assert [f.path for f in find_gold(Project(root), frozenset(), {})] == ["evals/gold.jsonl"]
    assert find_gold(Project(root), frozenset({"evals/gold.jsonl"}), {}) == ()
