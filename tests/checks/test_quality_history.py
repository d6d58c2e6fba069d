from __future__ import annotations

import os
from pathlib import Path

import pytest
from readiness.checks.quality.feedback import feedback_loop
from readiness.checks.quality.freshness import eval_freshness

from readiness.config import load_config
from readiness.model import Credit, Finding, Status
from readiness.project import Project
from readiness.prompts import history as prompthistory
from tests import fixtures_quality as fx
from tests.conftest import Files, MakeProject, git
from tests.warm import cold_then_warm

EVALS = "evals/results.jsonl"  # promptfoo JSONL: no run timestamp, dated by its commit


def run(check: object, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))  # type: ignore[attr-defined,no-any-return]


def where(finding: Finding) -> list[str]:
    return [str(e) for e in finding.evidence]


def extractor(make_project: MakeProject, *steps: tuple[str, Files]) -> tuple[Path, list[str]]:
    """The extractor committed on 2026-10-01, then each (date, files) step; the step shas."""
    root = make_project(fx.EXTRACTOR, git=True)
    return root, [fx.commit(root, date, files) for date, files in steps]


# ---- eval-freshness: git history ---------------------------------------------------------


def test_evals_committed_after_the_prompt_change_pass(make_project: MakeProject) -> None:
    root, (change, _) = extractor(make_project,
                                  ("2026-11-20", {"prompts/extract.txt": fx.PROMPT_V2}),
                                  ("2026-11-22", {EVALS: fx.PROMPTFOO_JSONL}))
    finding = run(eval_freshness, root)
    assert finding.status is Status.PASS
    assert finding.message == (f"evals from 2026-11-22 ({EVALS}) are newer than the last change "
                               f"to prompts (2026-11-20, {change[:7]} prompts/extract.txt)")
    assert where(finding) == [EVALS, "prompts/extract.txt:2"]


def test_prompt_file_changed_after_the_evals_fires(make_project: MakeProject) -> None:
    root, (_, change) = extractor(make_project, ("2026-11-02", {EVALS: fx.PROMPTFOO_JSONL}),
                                  ("2026-11-20", {"prompts/extract.txt": fx.PROMPT_V2}))
    finding = run(eval_freshness, root)
    assert finding.status is Status.FAIL
    assert finding.message == (f"prompts changed 2026-11-20 ({change[:7]} prompts/extract.txt), "
                               f"evals from 2026-11-02 ({EVALS})")
    assert where(finding) == ["prompts/extract.txt:2", EVALS]


def test_model_name_changed_in_code_after_the_evals_fires(make_project: MakeProject) -> None:
    root, (_, change) = extractor(make_project, ("2026-11-02", {EVALS: fx.PROMPTFOO_JSONL}),
                                  ("2026-11-20", {"app/extract.py": fx.EXTRACT_NEW_MODEL}))
    finding = run(eval_freshness, root)
    assert finding.status is Status.FAIL
    assert finding.message == (f"model settings changed 2026-11-20 ({change[:7]} app/extract.py), "
                               f"evals from 2026-11-02 ({EVALS})")
    assert where(finding) == ["app/extract.py:20", EVALS]


def test_prompt_wording_inside_a_prompt_constant_fires(make_project: MakeProject) -> None:
    # The changed line itself has no prompt marker: it lies inside SYSTEM_PROMPT = """...""".
    root, (_, change) = extractor(make_project, ("2026-11-02", {EVALS: fx.PROMPTFOO_JSONL}),
                                  ("2026-11-20", {"app/extract.py": fx.EXTRACT_PROMPT_WORDING}))
    finding = run(eval_freshness, root)
    assert finding.status is Status.FAIL
    assert finding.message == (f"prompts changed 2026-11-20 ({change[:7]} app/extract.py), "
                               f"evals from 2026-11-02 ({EVALS})")
    assert where(finding) == ["app/extract.py:10", EVALS]


def test_unrelated_edits_after_the_evals_do_not_fire(make_project: MakeProject) -> None:
    # The same module outside its prompt and model settings, a README, a test, and a
    # dev-assistant prompt under a hidden folder: none is a prompt change.
    root, shas = extractor(make_project, ("2026-11-02", {EVALS: fx.PROMPTFOO_JSONL}),
                           ("2026-11-20", {"app/extract.py": fx.EXTRACT_UNRELATED}),
                           ("2026-11-21", {"README.md": "# Invoice extractor\n\nRun it.\n",
                                           "tests/test_extract.py": "x = 'gpt-4.1'\n",
                                           ".github/prompts/review.prompt.md": "Review.\n"}))
    initial = git(root, "rev-list", "--max-parents=0", "HEAD").strip()
    finding = run(eval_freshness, root)
    assert finding.status is Status.PASS
    assert finding.message == (f"evals from 2026-11-02 ({EVALS}) are newer than the last change "
                               f"to prompts and model settings (2026-10-01, {initial[:7]} "
                               "prompts/extract.txt and 1 more)")
    assert where(finding) == [EVALS, "prompts/extract.txt:1"]


def test_scanning_a_service_folder_of_a_monorepo(make_project: MakeProject) -> None:
    root = make_project({f"services/inv/{rel}": text for rel, text in fx.EXTRACTOR.items()},
                        git=True)
    fx.commit(root, "2026-11-02", {f"services/inv/{EVALS}": fx.PROMPTFOO_JSONL})
    change = fx.commit(root, "2026-11-20",
                       {"services/inv/app/extract.py": fx.EXTRACT_PROMPT_WORDING})
    finding = run(eval_freshness, root / "services/inv")
    assert finding.status is Status.FAIL
    assert finding.message == (f"prompts changed 2026-11-20 ({change[:7]} app/extract.py), "
                               f"evals from 2026-11-02 ({EVALS})")
    assert where(finding) == ["app/extract.py:10", EVALS]


def test_model_change_in_promptfoo_config_fires_but_a_new_test_case_does_not(
        make_project: MakeProject) -> None:
    root, (_, _, change) = extractor(
        make_project, ("2026-10-05", {"evals/promptfooconfig.yaml": fx.PROMPTFOO_CONFIG_MODEL}),
        ("2026-11-02", {EVALS: fx.PROMPTFOO_JSONL}),
        ("2026-11-20", {"evals/promptfooconfig.yaml": fx.PROMPTFOO_CONFIG_NEW_MODEL}))
    finding = run(eval_freshness, root)
    assert finding.status is Status.FAIL
    assert finding.message == (f"model settings changed 2026-11-20 ({change[:7]} "
                               f"evals/promptfooconfig.yaml), evals from 2026-11-02 ({EVALS})")
    assert where(finding) == ["evals/promptfooconfig.yaml:5", EVALS]
    fx.commit(root, "2026-11-22", {EVALS: fx.PROMPTFOO_JSONL + "\n"})
    fx.commit(root, "2026-11-23", {"evals/promptfooconfig.yaml": fx.PROMPTFOO_CONFIG_NEW_TEST})
    assert run(eval_freshness, root).status is Status.PASS


def test_run_timestamp_in_the_file_wins_over_its_commit_date(make_project: MakeProject) -> None:
    newer = fx.promptfoo_json("2026-11-24T23:48:11.739Z")  # run after the change, committed before
    root, (_, change) = extractor(make_project, ("2026-11-02", {"evals/results.json": newer}),
                                  ("2026-11-20", {"prompts/extract.txt": fx.PROMPT_V2}))
    finding = run(eval_freshness, root)
    assert finding.status is Status.PASS
    assert finding.message == ("evals from 2026-11-24 (evals/results.json) are newer than the last "
                               f"change to prompts (2026-11-20, {change[:7]} prompts/extract.txt)")
    assert finding.evidence[0].note == "run timestamp in the file 2026-11-24"
    older = fx.promptfoo_json("2026-11-01T09:00:00Z")  # committed after the change, run before
    fx.commit(root, "2026-11-22", {"evals/results.json": older})
    finding = run(eval_freshness, root)
    assert finding.status is Status.FAIL
    assert finding.message == (f"prompts changed 2026-11-20 ({change[:7]} prompts/extract.txt), "
                               "evals from 2026-11-01 (evals/results.json)")


def test_evals_committed_with_the_prompt_change_pass(make_project: MakeProject) -> None:
    # The usual loop: edit the prompt, run the evals, commit both.
    ran = fx.promptfoo_json("2026-11-20T11:50:00Z")
    root, (change,) = extractor(make_project, ("2026-11-20", {"prompts/extract.txt": fx.PROMPT_V2,
                                                              "evals/results.json": ran}))
    finding = run(eval_freshness, root)
    assert finding.status is Status.PASS
    assert finding.message == ("evals (evals/results.json) were committed together with the last "
                               f"change to prompts (2026-11-20, {change[:7]} prompts/extract.txt)")


def test_an_old_run_committed_with_the_prompt_change_fires(make_project: MakeProject) -> None:
    old_run = fx.promptfoo_json("2026-10-15T08:00:00Z")
    root, (change,) = extractor(make_project, ("2026-11-20", {"prompts/extract.txt": fx.PROMPT_V2,
                                                              "evals/results.json": old_run}))
    finding = run(eval_freshness, root)
    assert finding.status is Status.FAIL
    assert finding.message == (f"prompts changed 2026-11-20 ({change[:7]} prompts/extract.txt), "
                               "evals from 2026-10-15 (evals/results.json)")


def test_configured_eval_paths_are_the_ones_judged(make_project: MakeProject) -> None:
    config = ("version: 1\nworkflows:\n  - name: totals\n    evals:\n"
              "      - path: results/totals-*.jsonl\n")
    root, (_, change) = extractor(
        make_project, ("2026-11-02", {"readiness.yaml": config,
                                      "results/totals-1.jsonl": fx.PROMPTFOO_JSONL}),
        ("2026-11-20", {"prompts/extract.txt": fx.PROMPT_V2, EVALS: fx.PROMPTFOO_JSONL}))
    finding = run(eval_freshness, root)
    assert finding.status is Status.FAIL
    assert finding.message == (f"prompts changed 2026-11-20 ({change[:7]} prompts/extract.txt), "
                               "evals from 2026-11-02 (results/totals-1.jsonl)")


def test_no_eval_results_fire_when_there_are_prompts(make_project: MakeProject) -> None:
    root, _ = extractor(make_project)
    initial = git(root, "rev-parse", "HEAD").strip()
    finding = run(eval_freshness, root)
    assert finding.status is Status.FAIL
    assert finding.message == ("no eval results found, so none can be shown to be newer than the "
                               "last change to prompts and model settings (2026-10-01, "
                               f"{initial[:7]} prompts/extract.txt and 1 more)")
    assert where(finding) == ["prompts/extract.txt:1"]


def test_without_history_the_apps_own_prompts_are_cited_before_a_prompt_guide(
        make_project: MakeProject) -> None:
    """No git: the finding cites a prompt file. A prompts folder's template (the app's own
    prompt) goes before a document named for prompts (skyvern's
    cli/skills/skyvern/references/prompt-writing.md); the folder's CLAUDE.md, instructions
    for the developers' coding assistant, is no prompt of the app; without the folder the
    document is all there is to cite."""
    files: Files = {
        "app/cli/skills/references/prompt-writing.md": "# Writing good task prompts\n",
        "app/forge/prompts/CLAUDE.md": "# Prompt templates\nThe templates are split...\n",
        "app/forge/prompts/extract-action.j2": "Extract the next action from {{ page }}.\n",
        "app/forge/llm.py": "from openai import OpenAI\n\nclient = OpenAI()\n\n\n"
                            "def ask(prompt):\n    return client.chat.completions.create(\n"
                            "        model='gpt-4o', messages=[{'role': 'user', "
                            "'content': prompt}])\n",
    }
    finding = run(eval_freshness, make_project(files, git=False))
    assert finding.status is Status.FAIL
    assert where(finding) == ["app/forge/prompts/extract-action.j2"]
    del files["app/forge/prompts/extract-action.j2"], files["app/forge/prompts/CLAUDE.md"]
    finding = run(eval_freshness, make_project(files, git=False))
    assert where(finding) == ["app/cli/skills/references/prompt-writing.md"]


def test_no_evals_and_no_llm_code_is_not_applicable(make_project: MakeProject) -> None:
    root = make_project({"app/cli.py": "name = input('Name? ')\nprint(name)\n",
                         "README.md": "# Tool\n"}, git=True)
    finding = run(eval_freshness, root)
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.message == "no prompts or LLM code found, and no eval results"


# ---- eval-freshness: without full history -------------------------------------------------


def test_shallow_clone_cannot_order_a_change_and_evals_at_its_cut(
        make_project: MakeProject, tmp_path: Path) -> None:
    source, _ = extractor(make_project, ("2026-11-02", {EVALS: fx.PROMPTFOO_JSONL}),
                          ("2026-11-20", {"app/extract.py": fx.EXTRACT_UNRELATED}))
    git(tmp_path, "clone", "-q", "--depth", "1", source.as_uri(), "shallow")
    root = tmp_path / "shallow"
    head = git(root, "rev-parse", "HEAD").strip()
    finding = run(eval_freshness, root)
    assert finding.status is Status.WARN
    assert finding.message == ("the git history is shallow (a --depth clone): prompts and model "
                               "settings last changed at or before 2026-11-20 and the evals are "
                               f"from 2026-11-20 or earlier ({EVALS}); fetch the full history to "
                               "tell which came first")
    assert where(finding) == [EVALS, "prompts/extract.txt"]
    assert head[:7] in finding.evidence[1].note


def test_shallow_clone_with_a_run_timestamp_after_the_cut_passes(
        make_project: MakeProject, tmp_path: Path) -> None:
    source, _ = extractor(make_project, ("2026-11-20", {
        "evals/results.json": fx.promptfoo_json("2026-11-24T23:48:11.739Z")}))
    git(tmp_path, "clone", "-q", "--depth", "1", source.as_uri(), "shallow")
    root = tmp_path / "shallow"
    head = git(root, "rev-parse", "HEAD").strip()
    finding = run(eval_freshness, root)
    assert finding.status is Status.PASS
    assert finding.message == ("evals from 2026-11-24 (evals/results.json) are newer than the last "
                               "change to prompts and model settings (2026-11-20 or earlier, "
                               f"{head[:7]} prompts/extract.txt and 1 more)")


def _touch(root: Path, rel: str, iso: str) -> None:
    from datetime import datetime

    stamp = datetime.fromisoformat(iso).timestamp()
    os.utime(root / rel, (stamp, stamp))


def test_no_git_compares_a_run_timestamp_with_file_times(make_project: MakeProject) -> None:
    root = make_project({**fx.EXTRACTOR,
                         "evals/results.json": fx.promptfoo_json("2026-11-24T23:48:11.739Z")})
    for rel in ("app/extract.py", "prompts/extract.txt"):
        _touch(root, rel, "2026-11-20T10:00:00+00:00")
    finding = run(eval_freshness, root)
    assert finding.status is Status.PASS
    assert finding.message == ("evals from 2026-11-24 (evals/results.json) are newer than every "
                               "prompt and model-settings file (not a git repository: file times "
                               "used)")
    _touch(root, "prompts/extract.txt", "2026-11-25T08:00:00+00:00")
    finding = run(eval_freshness, root)
    assert finding.status is Status.WARN
    assert finding.message == ("not a git repository: prompts/extract.txt was modified 2026-11-25, "
                               "after the evals ran (2026-11-24, evals/results.json), but file "
                               "times cannot say whether prompts or model settings changed")
    assert where(finding) == ["prompts/extract.txt", "evals/results.json"]


def test_no_git_and_no_run_timestamp_warns(make_project: MakeProject) -> None:
    root = make_project({**fx.EXTRACTOR, EVALS: fx.PROMPTFOO_JSONL})
    finding = run(eval_freshness, root)
    assert finding.status is Status.WARN
    assert finding.message == (f"not a git repository and {EVALS} carries no run timestamp: the "
                               "history needed to judge eval freshness is unavailable")
    assert where(finding) == [EVALS]


def test_repository_without_commits_is_judged_like_no_git(make_project: MakeProject) -> None:
    root = make_project({**fx.EXTRACTOR, EVALS: fx.PROMPTFOO_JSONL})
    git(root, "init", "-q", "-b", "main")
    finding = run(eval_freshness, root)
    assert finding.status is Status.WARN
    assert finding.message.startswith("the git repository has no commits yet and ")


# ---- eval-freshness: warm runs ---------------------------------------------------------------

SUMMARISE = """\
import anthropic

client = anthropic.Anthropic()
TEMPLATE = "summary.j2"


def summarise(text: str) -> str:
    return client.messages.create(model=MODEL, max_tokens=300, messages=[]).content
"""
SUPPORT = {
    "app/summarise.py": SUMMARISE,
    "app/templates/summary.j2": "Summarise {{ text }} in three bullet points.\n",
    "app/templates/page.html.j2": "<h1>{{ title }}</h1>\n",
    "config/llm.yaml": "model: claude-sonnet-4-5\ntemperature: 0.2\n",
    "web/chat.ts": "const SYSTEM_PROMPT = `You answer questions about invoices.`;\n",
    "app/util.py": "def add(a: int, b: int) -> int:\n    return a + b\n",
}


def freshness(project: Project) -> Finding:
    return eval_freshness.run(project, load_config(project.root))


def judged_commits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The commits whose diffs are judged from here on (not answered from the cache)."""
    judged: list[str] = []
    original = prompthistory._judge_commit

    def counting(sha: str, *args: object) -> object:
        judged.append(sha)
        return original(sha, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(prompthistory, "_judge_commit", counting)
    return judged


def test_warm_eval_freshness_reads_no_unchanged_file(make_project: MakeProject,
                                                      tmp_path: Path) -> None:
    root, (_, change) = extractor(
        make_project, ("2026-11-02", {EVALS: fx.PROMPTFOO_JSONL, **SUPPORT}),
        ("2026-11-20", {"app/extract.py": fx.EXTRACT_PROMPT_WORDING}))
    result = cold_then_warm(root, tmp_path / "cache", freshness)
    assert result.cold == result.warm == run(eval_freshness, root)
    assert result.warm.message == (f"prompts changed 2026-11-20 ({change[:7]} app/extract.py), "
                                   f"evals from 2026-11-02 ({EVALS})")
    assert where(result.warm) == ["app/extract.py:10", EVALS]
    assert result.read == []


def test_warm_no_evals_finding_reads_no_unchanged_file(make_project: MakeProject,
                                                       tmp_path: Path) -> None:
    root = make_project({"app/agent.py": 'MESSAGES = [{"role": "system", "content": "Hi"}]\n',
                         "app/cli.py": "print('hello')\n"}, git=True)
    initial = git(root, "rev-parse", "HEAD").strip()
    result = cold_then_warm(root, tmp_path / "cache", freshness)
    assert result.cold == result.warm == run(eval_freshness, root)
    assert result.warm.message == ("no eval results found, so none can be shown to be newer "
                                   "than the last change to prompts (2026-10-01, "
                                   f"{initial[:7]} app/agent.py)")
    assert result.read == []


def test_warm_history_judges_only_new_commits(make_project: MakeProject, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root, shas = extractor(make_project, ("2026-11-02", {EVALS: fx.PROMPTFOO_JSONL, **SUPPORT}),
                           ("2026-11-20", {"app/extract.py": fx.EXTRACT_UNRELATED}))
    cache = tmp_path / "cache"
    cold = freshness(Project(root, cache_dir=cache))
    assert cold.status is Status.PASS
    judged = judged_commits(monkeypatch)
    assert freshness(Project(root, cache_dir=cache)) == cold
    assert judged == []  # every commit listed was judged before: no diff was read
    unrelated = fx.commit(root, "2026-11-21", {
        "app/extract.py": fx.EXTRACT_UNRELATED + "\n\n# Totals are in the invoice currency.\n"})
    warm = freshness(Project(root, cache_dir=cache))
    assert judged == [unrelated]  # the older commits' judgements are reused
    assert warm == cold == run(eval_freshness, root)
    change = fx.commit(root, "2026-11-22", {"config/llm.yaml": "model: claude-opus-4-1\n"})
    judged.clear()
    warm = freshness(Project(root, cache_dir=cache))
    assert judged == [change]
    assert warm == run(eval_freshness, root)
    assert warm.message == (f"model settings changed 2026-11-22 ({change[:7]} config/llm.yaml), "
                            f"evals from 2026-11-02 ({EVALS})")


def test_warm_history_with_quoted_paths(make_project: MakeProject, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # git quotes these names in its output: the listing and the diffs must name them alike.
    odd = {'prompts/say "hi".txt': "Say hi.\n", "prompts/résumé\tv2.md": "Summarise.\n"}
    root, (change,) = extractor(make_project, ("2026-11-20", {EVALS: fx.PROMPTFOO_JSONL, **odd}))
    cache = tmp_path / "cache"
    cold = freshness(Project(root, cache_dir=cache))
    assert cold.message == (f"evals ({EVALS}) were committed together with the last change to "
                            f"prompts (2026-11-20, {change[:7]} prompts/résumé\tv2.md and 1 "
                            "more)")
    judged = judged_commits(monkeypatch)
    assert freshness(Project(root, cache_dir=cache)) == cold
    assert judged == []


def test_warm_history_of_a_service_folder(make_project: MakeProject, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project({f"services/inv/{rel}": text for rel, text in fx.EXTRACTOR.items()},
                        git=True)
    fx.commit(root, "2026-11-02", {f"services/inv/{EVALS}": fx.PROMPTFOO_JSONL})
    fx.commit(root, "2026-11-20", {"services/inv/app/extract.py": fx.EXTRACT_PROMPT_WORDING})
    result = cold_then_warm(root / "services/inv", tmp_path / "cache", freshness)
    assert result.cold == result.warm == run(eval_freshness, root / "services/inv")
    assert where(result.warm) == ["app/extract.py:10", EVALS]
    judged = judged_commits(monkeypatch)
    assert freshness(Project(root / "services/inv", cache_dir=tmp_path / "cache")) == result.cold
    assert judged == []


def test_deepened_shallow_clone_judges_its_old_cut_again(make_project: MakeProject,
                                                        tmp_path: Path) -> None:
    # At the cut, a commit shows every file as added; once deepened, only its own change.
    source = make_project({"app/extract.py": fx.EXTRACT}, git=True)
    fx.commit(source, "2026-11-02", {EVALS: fx.PROMPTFOO_JSONL})
    fx.commit(source, "2026-11-20", {"app/extract.py": fx.EXTRACT_UNRELATED})
    git(tmp_path, "clone", "-q", "--depth", "1", source.as_uri(), "shallow")
    root, cache = tmp_path / "shallow", tmp_path / "cache"
    assert freshness(Project(root, cache_dir=cache)).status is Status.WARN
    git(root, "fetch", "-q", "--unshallow")
    deepened = freshness(Project(root, cache_dir=cache))
    assert deepened == run(eval_freshness, root)
    assert deepened.status is Status.PASS
    assert "(2026-10-01, " in deepened.message


# ---- feedback-loop -------------------------------------------------------------------------


def test_fastapi_endpoint_writing_a_feedback_model_passes(make_project: MakeProject) -> None:
    finding = run(feedback_loop, make_project(fx.FASTAPI_FEEDBACK))
    assert (finding.status, finding.credit) == (Status.PASS, Credit.ENFORCED)
    assert finding.message == ("feedback is captured at app/api.py:19 (feedback endpoint) and "
                               "stored at app/api.py:21 (write), app/models.py:7 (feedback table)")
    assert where(finding) == ["app/api.py:19", "app/api.py:21", "app/models.py:7"]


def test_slack_reaction_handler_that_only_logs_warns(make_project: MakeProject) -> None:
    finding = run(feedback_loop, make_project(fx.SLACK_LOG_ONLY))
    assert finding.status is Status.WARN
    assert finding.message == ("feedback is captured at bot/slack.py:11 (Slack reaction handler) "
                               "but not stored")
    assert where(finding) == ["bot/slack.py:11"]


def test_langsmith_create_feedback_passes(make_project: MakeProject) -> None:
    finding = run(feedback_loop, make_project(fx.LANGSMITH_FEEDBACK))
    assert finding.status is Status.PASS
    assert finding.message == ("feedback is captured and stored at app/feedback.py:7 "
                               "(LangSmith feedback)")
    assert where(finding) == ["app/feedback.py:7"]


def test_handler_storing_through_a_helper_passes(make_project: MakeProject) -> None:
    finding = run(feedback_loop, make_project(fx.HELPER_STORE))
    assert finding.status is Status.PASS
    assert finding.message == ("feedback is captured at app/routes.py:10 (feedback endpoint) and "
                               "stored at app/store.py:9 (write)")
    assert where(finding) == ["app/routes.py:10", "app/store.py:9"]


# skyvern 1.0.56: the route calls a repository method, which builds a SQLAlchemy Core
# upsert and executes it (no SQL text, no feedback-named model in the handler's words).
SQLALCHEMY_REPOSITORY = {
    "app/llm.py": "from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef answer(q):\n"
                  "    return client.responses.create(model='gpt-4o', input=q)\n",
    "app/routes.py": '''\
from fastapi import APIRouter

from app.db import DATABASE

router = APIRouter()


@router.post("/feedback")
async def submit_run_feedback(request: dict) -> dict:
    return await DATABASE.upsert_run_feedback(target_id=request["id"],
                                              rating=request["rating"])
''',
    "app/db.py": '''\
from sqlalchemy import select
from sqlalchemy.dialects import postgresql


class Repository:
    async def upsert_run_feedback(self, *, target_id, rating):
        async with self.Session() as session:
            insert = postgresql.insert
            statement = insert(RunRatingModel.__table__).values(
                target_id=target_id, rating=rating)
            await session.execute(
                statement.on_conflict_do_update(index_elements=["target_id"],
                                                set_={"rating": rating}))
            await session.commit()

    async def add_run_feedback(self, *, target_id, rating):
        async with self.Session() as session:
            insert = postgresql.insert
            stmt = insert(RunRatingModel.__table__).values(
                target_id=target_id, rating=rating)
            await session.execute(stmt)

    async def get_run_feedback(self, *, target_id):
        async with self.Session() as session:
            query = select(RunRatingModel).filter_by(target_id=target_id)
            return (await session.execute(query)).first()


DATABASE = Repository()
''',
}


@pytest.mark.parametrize(("method", "stored_at"), [
    ("upsert_run_feedback", "app/db.py:11"),  # executes the upsert written in the call
    ("add_run_feedback", "app/db.py:21"),  # executes a statement bound to a name before
    ("get_run_feedback", None),  # executes a select: reads, stores nothing
])
def test_a_handler_storing_through_a_sqlalchemy_statement(make_project: MakeProject,
                                                          method: str,
                                                          stored_at: str | None) -> None:
    files = dict(SQLALCHEMY_REPOSITORY)
    files["app/routes.py"] = files["app/routes.py"].replace("upsert_run_feedback", method)
    if method == "get_run_feedback":
        files["app/routes.py"] = files["app/routes.py"].replace(
            ",\n                                              rating=request[\"rating\"])", ")")
    finding = run(feedback_loop, make_project(files))
    if stored_at is None:
        assert finding.status is Status.WARN
        assert finding.message.endswith("but not stored")
    else:
        assert finding.status is Status.PASS, finding.message
        assert stored_at in where(finding)


def test_django_route_to_a_view_that_writes_passes(make_project: MakeProject) -> None:
    finding = run(feedback_loop, make_project(fx.DJANGO_FLAGS))
    assert finding.status is Status.PASS
    assert finding.message == ("feedback is captured at answers/urls.py:7 (feedback URL route) and "
                               "stored at answers/views.py:14 (database write)")
    assert where(finding) == ["answers/urls.py:7", "answers/views.py:14"]


def test_streamlit_feedback_written_to_a_file_passes(make_project: MakeProject) -> None:
    finding = run(feedback_loop, make_project(fx.STREAMLIT_APP))
    assert finding.status is Status.PASS
    assert finding.message == ("feedback is captured at app.py:11 (Streamlit feedback widget) and "
                               "stored at app.py:14 (write)")


def test_thumbs_down_button_and_next_route_writing_with_prisma_pass(
        make_project: MakeProject) -> None:
    finding = run(feedback_loop, make_project(fx.NEXT_APP))
    assert finding.status is Status.PASS
    assert finding.message == ("feedback is captured at app/api/feedback/route.ts:3 (feedback "
                               "endpoint) and stored at app/api/feedback/route.ts:5 (database "
                               "write)")
    assert where(finding) == ["app/api/feedback/route.ts:3", "app/api/feedback/route.ts:5"]


def test_thumbs_down_button_alone_warns(make_project: MakeProject) -> None:
    files = {k: v for k, v in fx.NEXT_APP.items() if not k.startswith("app/api")}
    finding = run(feedback_loop, make_project(files))
    assert finding.status is Status.WARN
    assert finding.message == ("feedback is captured at components/Answer.tsx:8 (thumbs up/down "
                               "control) but not stored")


def test_no_feedback_path_fires_and_look_alikes_do_not_count(make_project: MakeProject) -> None:
    finding = run(feedback_loop, make_project(fx.LOOK_ALIKES))
    assert finding.status is Status.FAIL
    assert finding.message == ("users cannot flag a wrong answer: no feedback endpoint, thumbs "
                               "up/down control, Slack reaction handler or LangSmith/Langfuse "
                               "feedback call found")
    assert where(finding) == []


def test_documented_feedback_process_counts_when_code_shows_none(
        make_project: MakeProject) -> None:
    root = make_project({**fx.LOOK_ALIKES, "docs/feedback.md": "# Flagging wrong answers\n",
                         "readiness.yaml": "version: 1\nevidence:\n"
                                           "  feedback-loop: docs/feedback.md\n"})
    finding = run(feedback_loop, root)
    assert (finding.status, finding.credit) == (Status.PASS, Credit.DOCUMENTED)
    assert where(finding) == ["docs/feedback.md", "readiness.yaml:3"]


@pytest.mark.parametrize("fixture", ["FASTAPI_FEEDBACK", "HELPER_STORE", "DJANGO_FLAGS",
                                     "STREAMLIT_APP", "NEXT_APP", "SLACK_LOG_ONLY"])
def test_feedback_loop_warm_run_reads_no_unchanged_file(make_project: MakeProject,
                                                        tmp_path: Path, fixture: str) -> None:
    """Captures, handlers, writes and the functions they call are kept per file content."""
    root = make_project(getattr(fx, fixture))
    config = load_config(root)
    result = cold_then_warm(root, tmp_path / "cache",
                            lambda project: feedback_loop.run(project, config))
    assert result.cold == result.warm == run(feedback_loop, root)
    assert result.read == []


def test_template_button_calling_a_python_store_passes_cold_and_warm(
        make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({
        "templates/chat.html": ("<div>{{ answer }}</div>\n"
                                "<!-- <button aria-label=\"thumbs up\">old</button> -->\n"
                                "<button aria-label=\"Thumbs down\" "
                                "onclick=\"save_feedback(answer_id)\">-</button>\n"),
        "app/store.py": ("import openai\n\nclient = openai.OpenAI()\n\n\n"
                         "def save_feedback(answer_id: str) -> None:\n"
                         "    db.add(Flagged(answer_id=answer_id))\n"),
    })
    config = load_config(root)
    result = cold_then_warm(root, tmp_path / "cache",
                            lambda project: feedback_loop.run(project, config))
    assert result.cold == result.warm
    assert result.warm.status is Status.PASS
    assert result.warm.message == ("feedback is captured at templates/chat.html:3 (thumbs "
                                   "up/down control) and stored at app/store.py:7 (write)")
    assert result.read == []


def test_feedback_handler_that_does_not_parse_is_noted_on_warm_runs_too(
        make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({"app/api.py": ("import openai\n\n\n@app.post('/feedback')\n"
                                        "def feedback(body:\n    db.add(body)\n")})
    config = load_config(root)
    result = cold_then_warm(root, tmp_path / "cache", lambda project: (
        feedback_loop.run(project, config), project.skipped))
    assert result.cold == result.warm
    finding, skipped = result.warm
    assert where(finding) == ["app/api.py:4", "app/api.py:6"]
    assert [(s.path, s.reason) for s in skipped] == [("app/api.py", "Python that does not parse")]
    assert result.read == []


def test_no_llm_and_no_feedback_is_not_applicable(make_project: MakeProject) -> None:
    finding = run(feedback_loop, make_project({"app/cli.py": "print('hello')\n"}))
    assert finding.status is Status.NOT_APPLICABLE


def test_without_evals_or_prompt_files_the_evidence_is_a_model_call_not_an_import(
        make_project: MakeProject) -> None:
    """gpt-engineer cited ``import openai`` (main.py:35): the call whose prompt and settings
    no eval covers is the place to look."""
    root = make_project({"app/ai.py": (
        "import openai\n\nclient = openai.OpenAI(timeout=30)\n\n\n"
        "def ask(question: str) -> str:\n"
        "    answer = client.chat.completions.create(\n"
        "        model=\"gpt-4o\", messages=[{\"role\": \"user\", \"content\": question}])\n"
        "    return answer.choices[0].message.content\n")})
    finding = run(eval_freshness, root)
    assert finding.status is Status.FAIL
    assert where(finding) == ["app/ai.py:7"]
