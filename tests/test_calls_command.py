"""`readiness calls`: the inventory people read to check the scanner's judgement."""

from __future__ import annotations

import json

from click.testing import CliRunner

from readiness.cli import main
from tests.conftest import MakeProject

APP = {
    "app/llm.py": "from openai import OpenAI\n"
                  "client = OpenAI(timeout=10)\n"
                  "def answer(q):\n"
                  "    return client.chat.completions.create(model='m', messages=[])\n"
                  "def vector(t):\n"
                  "    return client.embeddings.create(model='e', input=t)\n",
    "tests/test_llm.py": "from app.llm import client\n"
                         "def test_it():\n"
                         "    client.chat.completions.create(model='m', messages=[])\n",
}


def test_calls_json_lists_every_call_with_purpose_context_and_protections(
        make_project: MakeProject) -> None:
    root = make_project(APP)
    result = CliRunner().invoke(main, ["calls", str(root), "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = [(c["path"], c["line"], c["provider"], c["purpose"], c["production"], c["context"])
            for c in data["calls"]]
    assert rows == [("app/llm.py", 4, "openai", "generation", True, "production"),
                    ("app/llm.py", 6, "openai", "embedding", True, "production"),
                    ("tests/test_llm.py", 3, "openai", "generation", False, "test")]
    first = data["calls"][0]["protections"]
    assert first["timeout"]["line"] == 2 and first["timeout"]["strength"] == "explicit"
    assert first["retry"]["strength"] == "default" and first["error_handling"] is None
    assert [(b["path"], b["line"], b["label"]) for b in data["model_objects"]] == [
        ("app/llm.py", 2, "OpenAI()")]


def test_calls_terminal_says_what_is_judged(make_project: MakeProject) -> None:
    root = make_project(APP)
    result = CliRunner().invoke(main, ["calls", str(root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("3 model calls in ")
    assert "1 production generation calls are judged" in result.stdout
    assert "app/llm.py:6  openai embeddings.create in vector() [embedding, not judged]" \
        in result.stdout
    assert "tests/test_llm.py:3  openai chat.completions.create in test_it() [test, not judged]" \
        in result.stdout
