"""Flags set in the system of record the AI writes to, synced back into a feedback table
(feedback-loop): the model's draft goes into a ticket or CRM record, people flag bad drafts
there, and a job reads the records back from that same system and stores them in the
feedback store.

The rule is data flow, not names near a line: a generation result reaches a method call on
an object (``zendesk.tickets.update(id, comment=draft)``); another call on the same object, or
one built the same way (``zendesk.search(...)``), has its result stored in a feedback table
(``session.add(AiFeedback(...))``, ``Feedback.objects.create``, an ``INSERT INTO ai_feedback``
in the same function). Only the feedback table is recognised by its name, as everywhere in
this check.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from readiness.checks.infrastructure.llmtraffic import generation_sites, project_traffic

from readiness.llmcalls.systems import Read, reads_back, written_systems
from readiness.project import signals
from readiness.project.signals import Hit
from readiness.project.snapshot import Project

from .feedbackscan import functions_of
from .feedbackstore import NAMED, named_stores


class Sync(NamedTuple):
    """AI output written to a system, and a job storing what it reads back as feedback."""

    written: Hit  # where the model's output goes into the system
    read: Hit  # the call that reads records back from it
    stored: Hit  # the write into the feedback store


def synced_flags(project: Project) -> list[Sync]:
    """Reads from a system the model writes to whose results land in the feedback store."""
    return project.shared("feedback.synced", _find)


def _find(project: Project) -> list[Sync]:
    sites = generation_sites(project)
    if not sites:
        return []
    flows = project_traffic(project)
    systems = written_systems(flows, sites)
    if not systems:
        return []
    stores = [h for h in named_stores(project) if h.path.endswith(".py")]
    entities = {m.group(1) for h in stores if h.kind == "model"
                for m in [re.search(rf"\bclass\s+({NAMED})", h.text)] if m}
    sql = [h for h in stores if h.kind == "sql"]
    paths = sorted({h.path for h in stores if h.kind in ("sql", "orm_write")}
                   | set(flows.files_calling(entities)))
    paths = [p for p in paths if not signals.is_test_path(p)]
    found = []
    for read in reads_back(flows, paths, systems):
        stored = _feedback_store(project, read, entities, sql)
        if stored is not None:
            w = read.written
            found.append(Sync(Hit(w.path, w.line, w.label, "write"),
                              Hit(read.path, read.line, read.label, "read"),
                              Hit(read.path, stored, "", "store")))
    return found


def _feedback_store(project: Project, read: Read, entities: set[str], sql: list[Hit]
                    ) -> int | None:
    """The line where what ``read`` returned is stored in the feedback store, if it is."""
    named = re.compile(rf"(?:^|\.){NAMED}")
    stores = [s for s in read.sinks if s[0] == "store"]
    for kind, line, label, *_ in read.sinks:
        if kind == "store" and named.search(label):
            return int(line)  # Feedback.objects.create, db.ai_feedback.insert_one
        if kind == "call" and label.rsplit(".", 1)[-1] in entities and stores:
            return int(line)  # session.add(AiFeedback(...))
    if stores:
        name = read.function.rsplit(".", 1)[-1]
        for function, _first, start, end in functions_of(project, [read.path]).get(
                read.path, ()):
            if function == name and start <= read.line <= end and any(
                    h.path == read.path and start <= h.line <= end for h in sql):
                return int(stores[0][1])  # INSERT INTO ai_feedback in the same function
    return None
