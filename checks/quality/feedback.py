"""feedback-loop: users can flag wrong answers, and the flags are stored to improve.

Where users can flag an answer is found in ``feedbackcapture``, where the flags are stored in
``feedbackstore``; both use the per-file scans of ``feedbackscan``.
"""

from __future__ import annotations

from collections.abc import Sequence

from readiness.checks.infrastructure import callsites

from readiness.config import Config
from readiness.model import (
    Credit,
    Finding,
    Gap,
    check,
    failed,
    not_applicable,
    passed,
    warned,
)
from readiness.project import llmusage, signals
from readiness.project.signals import Hit
from readiness.project.snapshot import Project

from .feedbackcapture import captures_later, feedback_captures
from .feedbackconnector import Connector, feedback_connectors
from .feedbackstore import named_stores, storage_for, stores_later
from .feedbacksync import Sync, synced_flags

_CAPTURE_LABEL = {"endpoint": "feedback endpoint", "django": "feedback URL route",
                  "slack": "Slack reaction handler", "streamlit": "Streamlit feedback widget",
                  "gradio": "Gradio like/dislike handler", "langsmith": "LangSmith feedback",
                  "braintrust": "Braintrust feedback", "langfuse": "Langfuse score",
                  "ui": "thumbs up/down control", "api": "feedback sent to an HTTP API",
                  "chainlit": "Chainlit feedback persisted by its data layer"}
_STORE_LABEL = {"model": "feedback table", "table": "feedback table",
                "sql": "SQL write to a feedback table", "orm_write": "database write",
                "write": "write", "vendor": "stored by the vendor"}


def searches_later(project: Project, config: Config) -> None:
    """A ``prepare`` hook: the feedback searches (where users can flag an answer, where
    flags are stored), started for the worker processes' idle moments."""
    captures_later(project)
    stores_later(project)


@check(
    code="QUA007",
    gap=Gap.QUALITY,
    title="Can users flag a wrong answer, and is the flag stored for improvement?",
    remediation="Give users a way to flag a wrong answer (a thumbs-down button or a /feedback "
                "endpoint) and store each flag with the request id in a table, queue or "
                "LangSmith/Langfuse so it feeds prompt and data fixes.",
    prepare=searches_later,
)
def feedback_loop(project: Project, config: Config) -> Finding:
    """What it checks:
    A way for users to flag an answer: an HTTP endpoint such as POST `/feedback`, `/flag`
    or `/rating` (FastAPI, Flask, Django, Express, Next.js API routes), a thumbs up/down
    control (aria-labels, `onFeedback`/`handleThumbsDown` handlers, thumb icons), Streamlit
    `st.feedback`, a Gradio `.like` handler, a Slack `reaction_added` handler, LangSmith
    `create_feedback`, Langfuse `score`. And that the flag is stored: the handler writes to
    a database (a `Feedback`/`Flag`/`Rating` ORM model, an `INSERT INTO feedback`, a Prisma
    or Mongo write), a queue, a bucket or a file, directly or through a function it calls;
    LangSmith, Langfuse and Braintrust store it themselves. Or a connector declared in
    config that forwards users' feedback to a tracing platform's feedback API (a Langfuse
    `/api/public/scores` or Phoenix `/v1/span_annotations` endpoint as a value, a
    `feedback.provider: langfuse` section, `LANGFUSE_FEEDBACK_ENABLED: true`): with a capture
    in the code that is a stored loop; declared alone it passes for half credit (documented),
    because no code shows the control. Tracing settings alone (`LANGFUSE_HOST`,
    `LANGCHAIN_TRACING_V2`, a `langfuse` callback) are not feedback. Or flags set in the
    system of record the model writes to, synced back: a generation result is written by a
    method call on an object (`zendesk.tickets.update(id, comment=draft)`), and a call on the
    same object, or one built by the same constructor, has its result stored in the feedback
    table (`session.add(AiFeedback(...))`, an `INSERT INTO ai_feedback`). Comments, tests and
    functions merely named after feedback do not count. A Python call that posts to a
    feedback path (`client.post("/v1/feedback/", json=data)`, outside a route decorator) sends
    the flag to an HTTP API, where that service keeps it; it counts when the project serves
    no feedback route itself (then the route is judged), and a write elsewhere in its file is
    not taken for its storage. `evidence.feedback-loop` in
    readiness.yaml is used when the code shows no stored loop.

    Why it matters:
    Production inputs are messier than the pilot's. Users see the wrong answers first; if
    they cannot flag them, or the flags vanish into a log, nobody learns which cases fail
    and the eval set never grows the examples that matter.

    How to fix:
    Add a thumbs-down (or "report this answer") control that posts the answer's id, the
    verdict and an optional comment to an endpoint, store it in a feedback table or send it
    to LangSmith/Langfuse, and review the flags weekly to extend the eval set and prompts.
    """
    if not callsites.uses_llm(project):
        return not_applicable(llmusage.NO_LLM)
    captures = feedback_captures(project)
    named = named_stores(project)
    for capture in captures:
        stores = storage_for(project, capture)
        if stores:
            return _loop(capture.hit, stores)
    synced = synced_flags(project)
    if synced:
        return _synced(synced[0])
    connectors = feedback_connectors(project)
    if connectors:
        return _forwarded(captures[0].hit if captures else None, connectors[0])
    if captures:
        hit = captures[0].hit
        label = _CAPTURE_LABEL[hit.kind]
        partial = warned(f"feedback is captured at {hit.path}:{hit.line} ({label}) but not "
                         "stored", hit.evidence(label), credit=Credit.ENFORCED)
        return signals.code_or_config(project, config, "feedback-loop", partial, partial)
    stored = [h.evidence(_STORE_LABEL[h.kind]) for h in named[:1]]
    lead = (f"a feedback store exists ({named[0].path}:{named[0].line}) but "
            if named else "")
    return signals.code_or_config(project, config, "feedback-loop", None, failed(
        f"{lead}users cannot flag a wrong answer: no feedback endpoint, thumbs up/down "
        "control, Slack reaction handler or LangSmith/Langfuse feedback call found", *stored))


def _synced(sync: Sync) -> Finding:
    """People flag the AI's output where it is written, and a job stores the flags."""
    w, r, st = sync.written, sync.read, sync.stored
    return passed(f"the model's output is written to a system of record at {w.path}:{w.line} "
                  f"({w.text}); records are read back from it at {r.path}:{r.line} ({r.text}) "
                  f"and stored in the feedback store at {st.path}:{st.line}",
                  w.evidence("model output written"), r.evidence("read back"),
                  st.evidence("stored as feedback"))


def _forwarded(hit: Hit | None, connector: Connector) -> Finding:
    """Feedback sent to a tracing platform by a connector declared in config: the platform
    stores each flag. With a capture in the code the loop is seen whole; declared alone it
    is taken at its word (the chat front end or gateway it configures shows the control),
    for half credit, as a config entry is."""
    declared = (f"forwarded to {connector.platform}'s feedback API as declared at "
                f"{connector.path}:{connector.line} ({connector.key})")
    if hit is not None:
        label = _CAPTURE_LABEL[hit.kind]
        return passed(f"feedback is captured at {hit.path}:{hit.line} ({label}) and "
                      f"{declared}", hit.evidence(label), connector.evidence())
    return passed(f"feedback is {declared}, where the platform stores it; no code here "
                  "shows where users flag an answer, so the connector's declaration is "
                  "taken as the loop (documented, half credit)", connector.evidence(),
                  credit=Credit.DOCUMENTED)


def _loop(hit: Hit, stores: Sequence[Hit]) -> Finding:
    label = _CAPTURE_LABEL[hit.kind]
    if hit.kind == "api":
        url = hit.text.partition("(")[2].strip().strip("\"'`")
        return passed(f"feedback is sent to the feedback API {url} at {hit.path}:{hit.line}, "
                      "where the service behind it stores it", hit.evidence(label))
    if stores[0].kind == "vendor":
        return passed(f"feedback is captured and stored at {hit.path}:{hit.line} ({label})",
                      hit.evidence(label))
    where = ", ".join(f"{s.path}:{s.line} ({_STORE_LABEL[s.kind]})" for s in stores)
    return passed(f"feedback is captured at {hit.path}:{hit.line} ({label}) and stored at "
                  f"{where}", hit.evidence(label),
                  *(s.evidence(_STORE_LABEL[s.kind]) for s in stores))


CHECKS = (feedback_loop,)
