"""The call-site index on the realistic fixture repositories: every call site, and every
protection found or missing, by path and line."""

from __future__ import annotations

from pathlib import Path

from readiness.llmcalls import CallSiteIndex, build_index
from readiness.project import Project
from tests.conftest import MakeProject
from tests.fixtures_llm import (
    BEDROCK_BATCH,
    HARDENED_SERVICE,
    LANGCHAIN_BOT,
    LITELLM_GATEWAY,
    LOOKALIKES,
    NO_LLM_APP,
    PILOT_APP,
    table,
)


def scan(root: Path) -> CallSiteIndex:
    return build_index(Project(root))


def test_pilot_app_has_one_unprotected_call(make_project: MakeProject) -> None:
    index = scan(make_project(PILOT_APP))
    assert table(index.calls) == [
        ("app.py:9", "openai", "chat.completions.create", "summarize", None, "app.py:5", None,
         None, None),
    ]
    (call,) = index.calls
    assert call.col == 15 and call.client == "app.py:5"
    assert call.retry is not None and call.retry.strength == "default"
    assert call.retry.how == "SDK default max_retries=2 on OpenAI() at app.py:5"


def test_hardened_service_protections_come_from_factory_decorator_and_callers(
        make_project: MakeProject) -> None:
    index = scan(make_project(HARDENED_SERVICE))
    assert table(index.calls) == [
        ("app/llm.py:16", "openai", "chat.completions.create", "complete_json",
         "app/clients.py:14", "app/llm.py:10", "app/service.py:18", "app/service.py:21", None),
        # max_retries=0 on the client and no tenacity here: no retries at all
        ("app/llm.py:25", "openai", "beta.chat.completions.parse", "extract_invoice_structured",
         "app/clients.py:14", None, "app/api.py:22", "app/llm.py:25", None),
    ]
    first = index.calls[0]
    assert first.client == "app/clients.py:12"
    assert first.timeout is not None and first.timeout.how == (
        "timeout=settings.llm_timeout_s on OpenAI() at app/clients.py:14")
    assert first.retry is not None and first.retry.strength == "explicit"
    assert "tenacity.retry" in first.retry.how
    # json_object alone would be weak; the caller validates with pydantic, which wins
    assert first.output_validation is not None
    assert first.output_validation.strength == "explicit"
    assert first.output_validation.how == (
        "Invoice.model_validate_json() at app/service.py:21")


def test_hardened_service_reaches_modules_that_never_name_a_provider(
        make_project: MakeProject) -> None:
    index = scan(make_project(HARDENED_SERVICE))
    # service.py names no provider: it is analysed because it imports app.llm; settings and
    # schemas because relevant modules import them. __init__.py is empty and imports nothing.
    assert index.files_total == 7
    assert index.files_analysed == 6
    assert index.unparsable == ()


def test_langchain_bot_chains_and_raw_anthropic(make_project: MakeProject) -> None:
    index = scan(make_project(LANGCHAIN_BOT))
    assert table(index.calls) == [
        ("bot/handlers.py:9", "langchain", "ainvoke", "triage", "bot/chains.py:7",
         "bot/chains.py:7", None, "bot/chains.py:11", "bot/chains.py:13"),
        ("bot/handlers.py:14", "langchain", "invoke", "reply", "bot/chains.py:7",
         "bot/chains.py:7", "bot/handlers.py:15", None, None),
        ("bot/handlers.py:20", "anthropic", "messages.create", "detect_language", None,
         "bot/handlers.py:5", None, None, None),
    ]
    triage, _, raw = index.calls
    assert triage.output_validation is not None
    assert triage.output_validation.how == (
        "PydanticOutputParser() in the chain at bot/chains.py:11")
    assert raw.retry is not None and raw.retry.strength == "default"


def test_litellm_gateway_router_settings_and_module_settings(make_project: MakeProject) -> None:
    index = scan(make_project(LITELLM_GATEWAY))
    assert table(index.calls) == [
        ("gateway/router.py:25", "litellm", "acompletion", "chat", "gateway/router.py:9",
         "gateway/router.py:20", "gateway/server.py:7", None, "gateway/router.py:19"),
        ("gateway/router.py:30", "litellm", "embedding", "embed", "gateway/router.py:30",
         "gateway/router.py:4", None, None, None),
    ]
    chat = index.calls[0]
    assert chat.timeout is not None and chat.timeout.how == (
        "timeout in every model_list deployment of Router() at gateway/router.py:9")


def test_bedrock_batch_job_reads_botocore_config(make_project: MakeProject) -> None:
    index = scan(make_project(BEDROCK_BATCH))
    path = "jobs/summarize_batch.py"
    assert table(index.calls) == [
        (f"{path}:22", "bedrock", "invoke_model", "summarize", f"{path}:8", f"{path}:10",
         f"{path}:23", f"{path}:25", None),
        # a client without a Config: botocore's own 60 s read timeout and retries
        (f"{path}:30", "bedrock", "converse", "converse", f"{path}:29", f"{path}:29", None, None,
         None),
    ]
    invoke, converse = index.calls
    assert converse.timeout is not None and converse.timeout.strength == "default"
    assert converse.timeout.how.startswith("botocore default read_timeout=60 s")
    assert invoke.output_validation is not None
    assert invoke.output_validation.strength == "weak"  # json.loads only
    assert converse.retry is not None and converse.retry.strength == "default"


def test_app_without_llm_has_no_call_sites_and_parses_nothing(make_project: MakeProject
                                                              ) -> None:
    index = scan(make_project(NO_LLM_APP))
    assert index.calls == ()
    assert index.files_total == 3
    assert index.files_parsed == 0 and index.files_analysed == 0


def test_lookalike_names_are_not_llm_calls(make_project: MakeProject) -> None:
    index = scan(make_project(LOOKALIKES))
    assert index.calls == ()
    assert index.files_analysed == 1  # the comment names a provider, so it was looked at


def test_fixtures_together_are_deterministic(make_project: MakeProject) -> None:
    files = {**PILOT_APP, **HARDENED_SERVICE, **LANGCHAIN_BOT, **LITELLM_GATEWAY,
             **BEDROCK_BATCH, **NO_LLM_APP, **LOOKALIKES}
    root = make_project(files)
    first, second = scan(root), scan(root)
    assert first == second
    assert len(first.calls) == 10
    assert [c.path for c in first.calls] == sorted(c.path for c in first.calls)
