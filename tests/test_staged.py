"""`readiness check --staged`: only what the staged change adds, read from the index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from readiness.cli import main
from readiness.git.staged import parse_added
from tests.conftest import MakeProject, git, write_files

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

# A client with a timeout and a call with error handling: what the team already has.
GUARDED = """\
import openai

client = openai.OpenAI(timeout=30, max_retries=3)


def extract(text):
    try:
        return client.chat.completions.create(model="gpt-4o", messages=[
            {"role": "user", "content": text}])
    except openai.APIError:
        return None
"""
# Committed before: a bare call the repository-wide scorecard fails on (not this commit's).
OLD_BARE = """\
import openai


def summarise(text):
    return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": text}])
"""
RISKY = """

def classify(text):
    return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": text}])
"""
KEY = "sk-proj-" + "Q7hT2mZk9XbR4vLw8NcY3pFs6JdG1aKe5UoI0"
EVALS = """\
version: 1
project: staged
workflows:
  - name: extraction
    min_accuracy: 0.9
    evals:
      - path: evals/results.csv
        fields: {id: id, category: category, correct: correct}
"""
RESULTS = "id,category,correct\n" + "".join(f"e{i},a,true\n" for i in range(20))


def invoke(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", str(root), "--staged", *args],
                                catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def repo(make_project: MakeProject, extra: dict[str, str] | None = None) -> Path:
    return make_project({"app/guarded.py": GUARDED, "app/old.py": OLD_BARE,
                         "README.md": "# Invoice extractor\nExtracts invoces.\n",
                         **(extra or {})}, git=True)


def stage(root: Path, files: dict[str, str]) -> None:
    write_files(root, files)
    git(root, "add", *files)


def test_a_harmless_change_passes_though_the_repository_has_blockers(
        make_project: MakeProject) -> None:
    root = repo(make_project)
    stage(root, {"README.md": "# Invoice extractor\nExtracts invoices.\n"})
    code, out, _ = invoke(root)
    assert code == 0, out
    assert out.startswith("readiness --staged: no new problems in 1 staged file")
    # the repository-wide verdict is unchanged: the old bare call still fails it
    whole = CliRunner().invoke(main, ["check", str(root), "--only", "llm-timeouts", "-f",
                                      "json"], catch_exceptions=False)
    assert '"path": "app/old.py"' in whole.stdout


def test_a_new_bare_model_call_fails_at_its_line(make_project: MakeProject) -> None:
    root = repo(make_project)
    stage(root, {"app/guarded.py": GUARDED + RISKY})
    code, out, _ = invoke(root, "--compact")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "readiness --staged: 1 new problem in 1 staged file:"
    assert lines[1] == ("app/guarded.py:15: new openai chat.completions.create call in "
                        "classify(): no timeout, no error handling "
                        "[llm-timeouts, llm-error-handling]")
    assert "app/old.py" not in out  # committed before: not this change's
    assert "How to fix" not in out  # --compact: the lines only
    code, out, _ = invoke(root)
    assert "llm-timeouts: Pass timeout=" in out
    code, _, _ = invoke(root, "--fail-on", "never")
    assert code == 0


def test_the_staged_content_is_judged_not_the_work_tree(make_project: MakeProject) -> None:
    root = repo(make_project)
    stage(root, {"app/guarded.py": GUARDED + RISKY})
    fixed = RISKY.replace("openai.OpenAI()", "client").replace(
        "return client", "try:\n        return client").replace(
        '}])\n', '}])\n    except openai.APIError:\n        return None\n')
    write_files(root, {"app/guarded.py": GUARDED + fixed})  # fixed, but not staged
    assert invoke(root)[0] == 1
    git(root, "add", "app/guarded.py")
    assert invoke(root)[0] == 0
    write_files(root, {"app/guarded.py": GUARDED + RISKY})  # broken again, not staged
    assert invoke(root)[0] == 0


def test_an_untouched_call_in_a_changed_file_is_not_judged(make_project: MakeProject) -> None:
    root = repo(make_project)
    stage(root, {"app/old.py": OLD_BARE.replace("def summarise", "def summarise_text")})
    code, out, _ = invoke(root)
    assert code == 0, out


def test_a_new_key_fails_an_old_key_or_a_template_does_not(make_project: MakeProject) -> None:
    root = repo(make_project, {"settings.py": f'OPENAI_API_KEY = "{KEY}"\n'})
    stage(root, {"settings.py": f'OPENAI_API_KEY = "{KEY}"\nDEBUG = True\n',
                 ".env.example": f"OPENAI_API_KEY={KEY}\n"})
    assert invoke(root)[0] == 0  # the old key is the repository's finding, not this commit's
    stage(root, {"config/.env": f"OPENAI_API_KEY={KEY}\n"})
    code, out, _ = invoke(root, "--compact")
    assert code == 1
    assert "config/.env:1: OpenAI API key (sk-proj-…) committed [hardcoded-secrets]" in out
    assert KEY not in out


def test_a_prompt_change_needs_eval_results_staged_with_it(make_project: MakeProject) -> None:
    root = repo(make_project, {"readiness.yaml": EVALS, "evals/results.csv": RESULTS,
                               "prompts/extract.txt": "Extract the total.\n"})
    stage(root, {"prompts/extract.txt": "Extract the total.\nAnswer in JSON.\n"})
    code, out, _ = invoke(root, "--compact")
    assert code == 1
    assert ("prompts/extract.txt:2: prompts changed, but no eval results are staged with it "
            "(the project's evals: evals/results.csv) [eval-freshness]") in out
    stage(root, {"evals/results.csv": RESULTS + "e99,a,true\n"})
    assert invoke(root)[0] == 0


def test_a_model_setting_change_in_code_counts_other_edits_do_not(
        make_project: MakeProject) -> None:
    root = repo(make_project, {"readiness.yaml": EVALS, "evals/results.csv": RESULTS})
    stage(root, {"app/guarded.py": GUARDED.replace("\n\ndef extract", "\nLIMIT = 3\n\n\n"
                                                   "def extract")})
    assert invoke(root)[0] == 0  # not a prompt or a model setting
    stage(root, {"app/guarded.py": GUARDED.replace('model="gpt-4o"', 'model="gpt-4.1"')})
    code, out, _ = invoke(root, "--compact")
    assert code == 1 and "app/guarded.py:8: model settings changed" in out


def test_without_eval_results_a_prompt_change_is_not_judged(make_project: MakeProject) -> None:
    root = repo(make_project, {"prompts/extract.txt": "Extract the total.\n"})
    stage(root, {"prompts/extract.txt": "Extract the total, in euros.\n"})
    assert invoke(root)[0] == 0


def test_suppressed_disabled_and_waived_checks_are_not_reported(
        make_project: MakeProject) -> None:
    root = repo(make_project)
    accepted = RISKY.replace("    return openai", "    # readiness: ignore[llm-timeouts] batch "
                             "job, the queue times out\n    return openai")
    stage(root, {"app/guarded.py": GUARDED + accepted})
    code, out, _ = invoke(root, "--compact")
    assert code == 1
    assert "app/guarded.py:16: new openai chat.completions.create call in classify(): no " \
           "error handling [llm-error-handling]" in out
    stage(root, {"readiness.yaml": "version: 1\nproject: p\nchecks:\n  disable: "
                                   "[llm-error-handling]\n"})
    code, out, _ = invoke(root)
    assert code == 0, out
    assert "note: not judged (disabled or waived in readiness.yaml): llm-error-handling" in out


def test_the_first_commit_and_errors(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({"app/guarded.py": GUARDED + RISKY})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    code, out, _ = invoke(root, "--compact")
    assert code == 1 and "app/guarded.py:15:" in out
    plain = make_project({"a.py": "x = 1\n"})
    code, _, err = invoke(plain)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("readiness: error: --staged needs a git work tree:")
    code, _, err = invoke(root, "-f", "json")
    assert code == 2 and err.count("\n") == 1 and "--format json" in err


def test_the_repository_runs_nothing(make_project: MakeProject, tmp_path: Path) -> None:
    """Hooks, an external diff and a pager named by the repository never run."""
    root = repo(make_project)
    marker = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    stage(root, {"app/guarded.py": GUARDED + RISKY, ".gitattributes": "*.py filter=x\n"})
    for key in ("diff.external", "core.pager", "core.fsmonitor", "filter.x.smudge",
                "filter.x.clean", "filter.x.process", "diff.x.textconv"):
        git(root, "config", key, str(script))
    assert invoke(root)[0] == 1
    assert not marker.exists()


def test_parse_added_reads_hunks_paths_and_binaries() -> None:
    diff = ('diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -3,0 +4,2 @@\n+x\n+y\n'
            '@@ -9 +11 @@\n-old\n+new\n@@ -20,3 +22,0 @@\n-a\n-b\n-c\n'
            'diff --git "a/sp ace.py" "b/sp ace.py"\nnew file mode 100644\n--- /dev/null\n'
            '+++ "b/sp ace.py"\n@@ -0,0 +1 @@\n+z\n'
            'diff --git a/img.png b/img.png\nBinary files /dev/null and b/img.png differ\n')
    assert parse_added(diff) == {"a.py": frozenset({4, 5, 11}), "sp ace.py": frozenset({1}),
                                 "img.png": frozenset()}
