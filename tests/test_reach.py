"""Which modules run together with a model call's module (``reach.run_together``)."""

from __future__ import annotations

from readiness.llmcalls.reach import run_together
from readiness.project import Project
from tests.conftest import MakeProject

MODEL = ("from openai import OpenAI\n\n\ndef ask(q):\n"
         "    return OpenAI().responses.create(input=q)\n")

PROGRAM = {
    "app/__init__.py": "",
    "app/llm.py": MODEL,
    # the program: it imports the model's module and the Slack bot, and the bot a helper
    "app/main.py": "from app import llm\nfrom app.bots import slack\n",
    "app/bots/__init__.py": "",
    "app/bots/slack.py": "from . import helpers\n",
    "app/bots/helpers.py": "import json\n",
    # imported by the model's module itself: runs with it
    "app/prompts.py": "SYSTEM = 'be brief'\n",
    # a mail reader and its parser, imported only by a command of their own
    "tools/__init__.py": "",
    "tools/mail.py": "from tools import parse\n",
    "tools/parse.py": "import email\n",
    "tools/cli.py": "from tools import mail\n",
    # two modules importing each other, and nothing else
    "loop/a.py": "from loop import b\n",
    "loop/b.py": "from loop import a\n",
}
PROGRAM["app/llm.py"] = "from app import prompts\n" + MODEL


def test_modules_imported_with_the_model_run_together_and_the_others_do_not(
        make_project: MakeProject) -> None:
    project = Project(make_project(PROGRAM))
    asked = ["app/bots/slack.py", "app/bots/helpers.py", "app/prompts.py", "app/main.py",
             "app/llm.py", "tools/mail.py", "tools/parse.py", "tools/cli.py", "loop/a.py",
             "loop/b.py"]
    assert run_together(project, asked, ["app/llm.py"]) == {
        "app/bots/slack.py", "app/bots/helpers.py", "app/prompts.py", "app/main.py",
        "app/llm.py"}


def test_each_module_is_judged_alone_whatever_else_is_asked(make_project: MakeProject) -> None:
    """``surface`` asks once for the in-tool modules and the code-host events together:
    a module's answer must not depend on the others asked with it."""
    project = Project(make_project(PROGRAM))
    every = ["app/bots/helpers.py", "tools/parse.py", "loop/b.py"]
    together = run_together(project, every, ["app/llm.py"])
    assert together == {"app/bots/helpers.py"}
    for rel in every:
        assert run_together(project, [rel], ["app/llm.py"]) == together & {rel}


def test_a_module_importing_the_model_s_importer_runs_with_it(make_project: MakeProject) -> None:
    """Up the imports as far as they go: ``tools/cli.py`` imports ``tools/mail.py``; once
    the mail reader imports the model's module, the command and the parser run with it."""
    files = dict(PROGRAM, **{"tools/mail.py": "from tools import parse\nfrom app import llm\n"})
    project = Project(make_project(files))
    assert run_together(project, ["tools/cli.py", "tools/parse.py", "loop/a.py"],
                        ["app/llm.py"]) == {"tools/cli.py", "tools/parse.py"}


def test_a_relative_import_of_a_package_s_module_runs_the_package(
        make_project: MakeProject) -> None:
    """``from . import util`` in ``app/svc/worker.py`` runs ``app/svc/__init__.py`` first,
    and with it the Slack bot the package imports: the bot runs with the model that
    ``worker.py`` imports. The import names no module, so it is looked up by the package's
    name."""
    files = {
        "app/__init__.py": "",
        "app/llm.py": MODEL,
        "app/svc/__init__.py": "from app.svc import slackbot\n",
        "app/svc/slackbot.py": "import slack_bolt\n",
        "app/svc/worker.py": "from app import llm\nfrom . import util\n",
        "app/svc/util.py": "X = 1\n",
        "app/other/__init__.py": "",
        "app/other/mailer.py": "from . import parse\n",
        "app/other/parse.py": "import email\n",
    }
    project = Project(make_project(files))
    assert run_together(project, ["app/svc/slackbot.py", "app/other/mailer.py",
                                  "app/other/parse.py"], ["app/llm.py"]) == {
        "app/svc/slackbot.py"}
