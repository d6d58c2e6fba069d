"""Tiny deterministic Inspect task for readiness fixtures (mockllm, offline)."""
import inspect_ai.model._model as _inspect_model
from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import includes
from inspect_ai.solver import Generate, TaskState, generate, solver

# Offline: Inspect estimates tokens with tiktoken, which downloads its encoding on first
# use. This machine has no internet, so use a character heuristic instead.
_inspect_model.count_text_tokens = lambda text: len(text) // 4 + 1

# mockllm/model always answers "Default output from mockllm/model"; targets that
# appear in that sentence pass, others fail.
SAMPLES = [
    Sample(id="inv-1", input="Total of invoice 1?", target="Default",
           metadata={"category": "invoice"}),
    Sample(id="inv-2", input="Total of invoice 2?", target="output",
           metadata={"category": "invoice"}),
    Sample(id="inv-3", input="Total of invoice 3?", target="9999",
           metadata={"category": "invoice", "tags": ["edge_case"]}),
    Sample(id="con-1", input="Clause present?", target="mockllm",
           metadata={"category": "contract"}),
    Sample(id="con-2", input="Clause missing?", target="absent",
           metadata={"category": "contract", "tags": ["edge_case"]}),
    Sample(id="con-3", input="CRASH please", target="Default",
           metadata={"category": "contract"}),
    Sample(id="rec-1", input="Receipt total?", target="model",
           metadata={"category": "receipt"}),
    Sample(id="misc-1", input="Anything?", target="nothing-like-this"),
]


@solver
def crash_on_request():
    async def solve(state: TaskState, generate_fn: Generate) -> TaskState:
        if "CRASH" in state.input_text:
            raise RuntimeError("simulated tool failure")
        return state
    return solve


@task
def readiness_fixture() -> Task:
    return Task(
        dataset=MemoryDataset(SAMPLES, name="readiness-fixture"),
        solver=[crash_on_request(), generate()],
        scorer=includes(),
    )
