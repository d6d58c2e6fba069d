"""The systems a model's output is written to, and the calls that read records back from the
same system: an AI drafts a reply into a ticket (``zendesk.tickets.update(id, comment=draft)``),
people flag bad drafts there, and a job reads the flagged tickets back (``zendesk.search(...)``).

"The same system" is the same object or the same kind of object: one module-level client
imported by both (``from app.clients import zendesk``), a client kept on ``self`` by one class,
or clients built by the same constructor (``Zenpy(...)`` in both files). Read from the traffic
facts (``traffic_facts``: where values flow, what builds each kept object): nothing is parsed
again.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from readiness.llmcalls.records import CallSite
from readiness.llmcalls.traffic import Sink, Traffic, sinks_of

Identity = tuple[str, str]  # ("obj", "path:name") or ("type", "module.Constructor")


class Read(NamedTuple):
    """A call that reads from a system the model's output is written to."""

    path: str
    line: int
    function: str
    label: str
    sinks: tuple[tuple[Any, ...], ...]  # where what it read goes: [kind, line, label, side...]
    written: Sink  # where the model's output goes into the same system


def written_systems(flows: Traffic, sites: list[CallSite]) -> dict[Identity, Sink]:
    """The objects (and kinds of object) that generation results are written into."""
    found: dict[Identity, Sink] = {}
    for site in sites:
        for sink in flows.writes(site):
            function, _, label = sink.label.partition("|")
            for identity in receiver(flows, sink.path, function, label):
                found.setdefault(identity, sink._replace(label=label))
    return found


def reads_back(flows: Traffic, paths: list[str], systems: dict[Identity, Sink]) -> list[Read]:
    """The calls in ``paths`` on an object of ``systems``, with where their results go;
    the writes themselves are left out."""
    flows.load(paths)
    written = {(s.path, s.line) for s in systems.values()}
    found = []
    for path in paths:
        facts = flows.facts.get(path)
        if facts is None:
            continue
        for key, function, label, line, _names in facts["calls"]:
            if (path, line) in written:
                continue
            for identity in sorted(receiver(flows, path, function, label)):
                if identity in systems:
                    sinks = tuple(tuple(s) for s in sinks_of(flows.roots(path), key))
                    found.append(Read(path, line, function, label, sinks, systems[identity]))
                    break
    return found


def receiver(flows: Traffic, path: str, function: str, label: str) -> set[Identity]:
    """What the object a method is called on is (``zendesk`` in ``zendesk.tickets.update``):
    a module-level object of a project module, an attribute kept on ``self``, and the
    constructor that built it. Modules (``requests.post``) and unknown names are nothing."""
    facts = flows.facts.get(path)
    parts = label.split(".")
    if facts is None or len(parts) < 2 or "(" in label:
        return set()
    ctors: dict[str, str] = facts.get("ctors", {})
    if parts[0] == "self":
        row = facts["defs"].get(function)
        if len(parts) < 3 or row is None or row[1] is None:
            return set()
        key = f"{row[1]}:self.{parts[1]}"
        return _with_type(flows, path, ctors.get(key), {("obj", f"{path}:{key}")})
    name = parts[0]
    local = ctors.get(f"{function}:{name}") if function else None
    if local:
        return _with_type(flows, path, local, set())
    if f":{name}" in ctors:
        return _with_type(flows, path, ctors[f":{name}"], {("obj", f"{path}:{name}")})
    imported = facts["imports"].get(name)
    if not imported or not imported[2]:
        return set()
    target = flows.modules.resolve(path, imported[0], imported[1])
    if target is None:
        return set()
    flows.load([target])
    built = flows.facts.get(target, {}).get("ctors", {}).get(f":{imported[2]}")
    if built is None:
        return set()  # a function or class of that module, not an object kept there
    return _with_type(flows, target, built, {("obj", f"{target}:{imported[2]}")})


def _with_type(flows: Traffic, path: str, ctor: str | None, ids: set[Identity]
               ) -> set[Identity]:
    """``ids`` and the constructor that built the object, named by where it comes from."""
    if ctor:
        head, _, rest = ctor.partition(".")
        imported = flows.facts[path]["imports"].get(head)
        if imported:
            origin = ".".join(p for p in (imported[1], imported[2]) if p)
            ids.add(("type", f"{origin}.{rest}" if rest else origin))
        elif any(q == head or q.startswith(f"{head}.") for q in flows.facts[path]["defs"]):
            ids.add(("type", f"{path}:{ctor}"))
    return ids
