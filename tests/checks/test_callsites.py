"""The four per-call-site checks on the realistic fixture repositories of tests/fixtures_llm."""

from __future__ import annotations

from pathlib import Path

import pytest
from readiness.checks.infrastructure.callsites import (
    llm_error_handling,
    llm_output_validation,
    llm_retries,
    llm_timeouts,
)

from readiness.config import load_config
from readiness.model import Finding, Status
from readiness.project import Project
from tests import fixtures_llm as fixtures
from tests.conftest import MakeProject


def run(check: object, root: Path) -> Finding:
    return check.run(Project(root), load_config(root))  # type: ignore[attr-defined,no-any-return]


def evidence(finding: Finding) -> list[str]:
    return [str(e) for e in finding.evidence]


def test_bare_pilot_fires_at_the_call(make_project: MakeProject) -> None:
    root = make_project(fixtures.PILOT_APP)
    timeouts = run(llm_timeouts, root)
    assert (timeouts.status, timeouts.message) == (Status.FAIL,
                                                   "1 of 1 LLM calls have no timeout")
    assert evidence(timeouts) == ["app.py:9"]
    assert timeouts.evidence[0].note == ("openai chat.completions.create in summarize(): "
                                         "no timeout")
    assert evidence(run(llm_error_handling, root)) == ["app.py:9"]
    validation = run(llm_output_validation, root)  # a summary returned as text: free text
    assert (validation.status, evidence(validation)) == (Status.PASS, ["app.py:9"])
    assert validation.message.startswith("all 1 LLM calls return free text")
    retries = run(llm_retries, root)  # the SDK's implicit default retries: a warning
    assert (retries.status, retries.message) == (
        Status.WARN, "1 of 1 LLM calls rely only on the SDK's default retry; set it explicitly "
        "so it is a decision, not an accident")
    assert evidence(retries) == ["app.py:9"]
    assert "SDK default max_retries=2" in retries.evidence[0].note


def test_hardened_service_protected_across_modules(make_project: MakeProject) -> None:
    root = make_project(fixtures.HARDENED_SERVICE)
    timeouts = run(llm_timeouts, root)
    assert (timeouts.status, timeouts.message) == (Status.PASS,
                                                   "all 2 LLM calls have a timeout")
    assert evidence(timeouts) == ["app/clients.py:14"]  # set once, in the client factory
    handling = run(llm_error_handling, root)
    assert handling.status is Status.PASS
    assert evidence(handling) == ["app/api.py:22", "app/service.py:18"]
    assert run(llm_output_validation, root).status is Status.PASS
    retries = run(llm_retries, root)  # one call path switches retries off on purpose
    assert (retries.status, evidence(retries)) == (Status.FAIL, ["app/llm.py:25"])


def test_langchain_bot(make_project: MakeProject) -> None:
    root = make_project(fixtures.LANGCHAIN_BOT)
    assert evidence(run(llm_timeouts, root)) == ["bot/handlers.py:20"]
    assert evidence(run(llm_error_handling, root)) == ["bot/handlers.py:9",
                                                       "bot/handlers.py:20"]
    # the triage chain's output is data (a pydantic parser validates it); the reply chain
    # and the language detection return free text: nothing to validate
    validation = run(llm_output_validation, root)
    assert (validation.status, evidence(validation)) == (Status.PASS, ["bot/chains.py:11"])
    assert dict(validation.details)["free_text"] == 2


@pytest.mark.parametrize("repo", ["NO_LLM_APP", "LOOKALIKES"])
@pytest.mark.parametrize("check", [llm_timeouts, llm_retries, llm_error_handling,
                                   llm_output_validation])
def test_no_llm_calls_is_not_applicable(make_project: MakeProject, repo: str,
                                        check: object) -> None:
    finding = run(check, make_project(getattr(fixtures, repo)))
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.message.startswith("no LLM calls found in ")


def test_embeddings_need_no_output_validation(make_project: MakeProject) -> None:
    root = make_project({"emb.py": "from openai import OpenAI\n"
                                   "client = OpenAI(timeout=10)\n"
                                   "def embed(t):\n"
                                   "    return client.embeddings.create(model='m', input=t)\n"})
    for check in (llm_output_validation, llm_timeouts, llm_retries, llm_error_handling):
        finding = run(check, root)  # only generation decides the per-call checks
        assert finding.status is Status.NOT_APPLICABLE
        assert finding.message == "no text-generation LLM calls (only embedding)"
        assert dict(finding.details)["not_judged"] == {"non_production": 0,
                                                       "not_generation": 1}
