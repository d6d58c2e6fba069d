"""A deterministic offline completion function for OpenAI evals fixtures."""
import re

from evals.api import CompletionFn, CompletionResult


class TableResult(CompletionResult):
    def __init__(self, text):
        self.text = text

    def get_completions(self):
        return [self.text]


class TableCompletionFn(CompletionFn):
    """Answers with whatever follows ANSWER= in the last message."""

    def __init__(self, **kwargs):
        pass

    def __call__(self, prompt, **kwargs):
        text = prompt[-1]["content"] if isinstance(prompt, list) else str(prompt)
        m = re.search(r"ANSWER=(\S+)", text)
        return TableResult(m.group(1) if m else "unknown")
