"""Feedback forwarded to an LLM-tracing platform by configuration (feedback-loop): a chat
front end, gateway or integration whose config sends users' ratings to the platform's
feedback API instead of code calling ``create_feedback`` or ``score``.

Read from the config index (YAML incl. compose and Kubernetes env lists, JSON, TOML,
Terraform) by structure. A setting declares forwarding when

- its value is a platform's feedback endpoint (Langfuse ``/api/public/scores``, Phoenix
  ``/v1/span_annotations``, a ``…/feedback`` route on a LangSmith, Helicone or Braintrust
  host), whatever the key;
- its key is named for feedback (``feedback.provider``, ``FEEDBACK_BACKEND``) and its value
  names the platform (``langfuse``, ``https://cloud.langfuse.com``);
- its key names both the platform and feedback (``langfuse.feedback``,
  ``LANGFUSE_FEEDBACK_ENABLED``) and its value switches it on.

Tracing settings alone (``LANGFUSE_HOST``, ``LANGCHAIN_TRACING_V2``, a ``langfuse`` callback)
are tracing, not feedback; a section whose ``enabled`` is false declares nothing. Documents,
translation files and the tool's own outputs are not in the config index.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from readiness.model import Evidence
from readiness.project import Project
from readiness.project.configfiles import ConfigIndex, Entry, config_index, scalar_text

# Words that name a tracing platform (in a key, a value or a URL's host), and its name.
PLATFORMS = {"langfuse": "Langfuse", "langsmith": "LangSmith", "helicone": "Helicone",
             "phoenix": "Phoenix", "arize": "Arize", "braintrust": "Braintrust",
             "lunary": "Lunary", "langwatch": "LangWatch", "opik": "Opik"}
_HOSTS = {"smith.langchain.com": "LangSmith"}  # hosts whose words do not name the platform
_FEEDBACK = frozenset({"feedback", "feedbacks", "score", "scores", "annotation",
                       "annotations", "rating", "ratings"})
_OFF = frozenset({"disable", "disabled", "skip", "no", "without"})
_ON = frozenset({"true", "yes", "on", "1", "enabled"})
# Feedback endpoints that name their platform by their path alone.
_ENDPOINTS = ((re.compile(r"/api/public/scores\b"), "Langfuse"),
              (re.compile(r"/v1/(?:span|trace|session)_annotations\b"), "Phoenix"))
_URL = re.compile(r"^(?:https?://)?([\w.-]+(?::\d+)?)(/\S*)?$")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_FEEDBACK_KEY = re.compile(r"(?i)feedback|scores?(?![a-z])|annotation|rating")
_ENV_ITEM = re.compile(r"^([A-Za-z_]\w*)=(.*)$")


class Connector(NamedTuple):
    """A config setting that forwards users' feedback to a tracing platform."""

    path: str
    line: int
    platform: str
    key: str

    def evidence(self) -> Evidence:
        return Evidence(self.path, self.line, f"{self.platform} feedback connector")


def feedback_connectors(project: Project) -> list[Connector]:
    """Settings that send users' feedback to a tracing platform, in file order."""
    return project.shared("feedback.connectors", _find)


def _find(project: Project) -> list[Connector]:
    index = config_index(project)
    found: dict[tuple[str, int], Connector] = {}
    for entry, key, value in _settings(index):
        platform = _declared(key, value)
        if platform and not _switched_off(index, entry):
            found.setdefault((entry.path, entry.line), Connector(entry.path, entry.line,
                                                                  platform, key))
    return sorted(found.values())


def _settings(index: ConfigIndex) -> Iterator[tuple[Entry, str, str]]:
    """(entry, key, value) of the settings that may declare a connector: feedback-named keys,
    values that are feedback endpoints, and environment variables set in list form
    (compose ``- NAME=value``, Kubernetes ``{name: NAME, value: …}``) under their name."""
    for entry in index.find(_FEEDBACK_KEY):
        if entry.value is not None:
            yield entry, entry.key, scalar_text(entry.value)
    for entry in index.find(None, re.compile(r"/api/public/scores|_annotations|/feedback")):
        yield entry, entry.key, scalar_text(entry.value)
    for entry in index.find(re.compile(r"(?:^|\.)environment\.\d+$"), _ENV_ITEM):
        match = _ENV_ITEM.match(scalar_text(entry.value))
        if match and _FEEDBACK_KEY.search(match.group(1)):
            yield entry, f"{entry.parent}.{match.group(1)}", match.group(2).strip("\"'")
    for entry in index.find("name", _FEEDBACK_KEY):
        value = index.child(entry, "value")
        if value is not None and value.value is not None:
            yield entry, f"{entry.parent}.{scalar_text(entry.value)}", scalar_text(value.value)


def _declared(key: str, value: str) -> str | None:
    """The platform a setting forwards feedback to, if it declares forwarding."""
    endpoint = _endpoint(value)
    if endpoint:
        return endpoint
    words = _words(key)
    if not words & _FEEDBACK or words & _OFF:
        return None
    leaf = _words(key.rpartition(".")[2])
    named = _platform_of_value(value)
    if named and not leaf & PLATFORMS.keys():  # not a label keyed by the platform's name
        return named
    if value.strip().lower() in _ON:
        for word in sorted(words & PLATFORMS.keys()):
            return PLATFORMS[word]
    return None


def _endpoint(value: str) -> str | None:
    """The platform whose feedback API this URL or path is."""
    for pattern, platform in _ENDPOINTS:
        if pattern.search(value):
            return platform
    url = _URL.match(value.strip())
    if url and url.group(2) and _words(url.group(2)) & _FEEDBACK:
        return _platform_of_host(url.group(1))
    return None


def _platform_of_value(value: str) -> str | None:
    """The platform a value names: its name alone, or a URL on its host."""
    text = value.strip().lower()
    if text in PLATFORMS:
        return PLATFORMS[text]
    url = _URL.match(text)
    if url and ("." in url.group(1) or text.startswith(("http://", "https://"))):
        return _platform_of_host(url.group(1))
    return None


def _platform_of_host(host: str) -> str | None:
    host = host.lower().split(":")[0]
    for suffix, platform in _HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            return platform
    for word in re.split(r"[.-]", host):
        if word in PLATFORMS:
            return PLATFORMS[word]
    return None


def _switched_off(index: ConfigIndex, entry: Entry) -> bool:
    """Is the setting's section switched off (``enabled: false`` beside it)?"""
    for name in ("enabled", "enable"):
        switch = index.child(entry, name)
        if switch is not None and scalar_text(switch.value).lower() in ("false", "no", "off",
                                                                        "0"):
            return True
    return False


def _words(text: str) -> frozenset[str]:
    """The lowercased words of a key or path: ``LANGFUSE_FEEDBACK_ENABLED``,
    ``enableLangfuseFeedback`` and ``langfuse.feedback`` all give langfuse and feedback."""
    return frozenset(w.lower() for w in _WORD.findall(text))
