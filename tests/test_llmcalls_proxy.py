"""Clients reached through a module-level proxy object, as skyvern 1.0.56 writes it: the
package's ``__init__`` binds ``app = AppHolder()``, whose ``__getattr__`` forwards every
attribute to the ``ForgeApp`` set at start-up, and declares the name's type for type
checkers (``if TYPE_CHECKING: app: ForgeApp``); the class declares its clients
(``OPENAI_CLIENT: AsyncOpenAI | AsyncAzureOpenAI``) and the code calls
``app.OPENAI_CLIENT.responses.create(...)`` everywhere."""

from __future__ import annotations

from readiness.llmcalls import CallSiteIndex, build_index
from readiness.project import Project
from tests.conftest import MakeProject


def scan(make_project: MakeProject, files: dict[str, str]) -> CallSiteIndex:
    return build_index(Project(make_project(files)))


HOLDER = '''\
from __future__ import annotations

import typing
from typing import Any

if typing.TYPE_CHECKING:
    from forge.forge_app import ForgeApp


class AppHolder:
    def __init__(self) -> None:
        object.__setattr__(self, "_inst", None)

    def set_app(self, inst: ForgeApp) -> None:
        object.__setattr__(self, "_inst", inst)

    def __getattr__(self, name: str) -> Any:
        return getattr(object.__getattribute__(self, "_inst"), name)


if typing.TYPE_CHECKING:
    app: ForgeApp
else:
    app = AppHolder()
'''

FORGE_APP = '''\
from anthropic import AsyncAnthropic
from openai import AsyncAzureOpenAI, AsyncOpenAI


class ForgeApp:
    """Container for shared services"""

    OPENAI_CLIENT: AsyncOpenAI | AsyncAzureOpenAI
    ANTHROPIC_CLIENT: AsyncAnthropic
    OPENAI_CUA_MODEL: str


def create_forge_app(settings) -> ForgeApp:
    app = ForgeApp()
    app.OPENAI_CLIENT = AsyncOpenAI(api_key=settings.OPENAI_API_KEY)
    app.ANTHROPIC_CLIENT = AsyncAnthropic(api_key=settings.ANTHROPIC_API_KEY)
    return app
'''

AGENT = '''\
from forge import app


class ForgeAgent:
    async def cua_actions(self, screenshot: str) -> str:
        response = await app.OPENAI_CLIENT.responses.create(
            model=app.OPENAI_CUA_MODEL, input=[{"role": "user", "content": screenshot}])
        return response.output_text

    async def claude(self, prompt: str) -> str:
        reply = await app.ANTHROPIC_CLIENT.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024,
            messages=[{"role": "user", "content": prompt}])
        return reply.content[0].text

    async def stored(self, task_id: str) -> object:
        return await app.DATABASE.tasks.get_task(task_id)
'''


def test_clients_of_the_declared_type_behind_a_proxy_are_called(
        make_project: MakeProject) -> None:
    index = scan(make_project, {"forge/__init__.py": HOLDER, "forge/forge_app.py": FORGE_APP,
                                "forge/agent.py": AGENT})
    assert [(c.path, c.line, c.api, c.provider) for c in index.calls] == [
        ("forge/agent.py", 6, "responses.create", "openai"),
        ("forge/agent.py", 11, "messages.create", "anthropic"),
    ]


def test_a_proxy_without_a_declared_type_is_not_guessed(make_project: MakeProject) -> None:
    """Without the declaration, nothing says what the proxy forwards to: no call is made up
    from the attribute names."""
    holder = HOLDER.replace("if typing.TYPE_CHECKING:\n    app: ForgeApp\nelse:\n    app",
                            "app")
    assert "app: ForgeApp" not in holder
    index = scan(make_project, {"forge/__init__.py": holder, "forge/forge_app.py": FORGE_APP,
                                "forge/agent.py": AGENT})
    assert index.calls == ()


def test_a_declared_type_does_not_replace_an_ordinary_object(
        make_project: MakeProject) -> None:
    """Only a proxy (a class with ``__getattr__``) gives way to the declared type: an
    ordinary object's own attributes are what the code reads."""
    holder = HOLDER.replace("    def __getattr__(self, name: str) -> Any:\n"
                            "        return getattr(object.__getattribute__(self, \"_inst\"), "
                            "name)\n", "    OPENAI_CLIENT = None\n    ANTHROPIC_CLIENT = None\n")
    assert "__getattr__" not in holder
    index = scan(make_project, {"forge/__init__.py": holder, "forge/forge_app.py": FORGE_APP,
                                "forge/agent.py": AGENT})
    assert index.calls == ()
