"""A deterministic offline model for lm-evaluation-harness fixtures.

generate_until answers with whatever follows "ANSWER=" in the prompt; loglikelihood
prefers the continuation named after "PICK=" in the context.
"""
import re

from lm_eval.api.model import LM
from lm_eval.api.registry import register_model


@register_model("table")
class TableLM(LM):
    def __init__(self, *args, **kwargs):
        super().__init__()

    @classmethod
    def create_from_arg_string(cls, arg_string, additional_config=None):
        return cls()

    def loglikelihood(self, requests, disable_tqdm=False):
        out = []
        for req in requests:
            context, continuation = req.args
            m = re.search(r"PICK=(\S+)", context)
            best = m and continuation.strip() == m.group(1)
            out.append((-0.1 if best else -5.0, bool(best)))
        return out

    def generate_until(self, requests, disable_tqdm=False):
        out = []
        for req in requests:
            m = re.search(r"ANSWER=(\S+)", req.args[0])
            out.append(m.group(1) if m else "unknown")
        return out

    def loglikelihood_rolling(self, requests, disable_tqdm=False):
        return [-1.0 for _ in requests]
