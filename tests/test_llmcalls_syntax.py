"""The tree helpers the model-call analyses walk with give what ``ast``'s own do."""

from __future__ import annotations

import ast
from pathlib import Path

from readiness.llmcalls.syntax import children, walk

SOURCES = sorted((Path(__file__).parent.parent / "readiness").rglob("*.py"))


def test_children_and_walk_give_the_same_nodes_in_the_same_order_as_ast() -> None:
    """On this package's own modules (every statement and expression kind it uses), and
    on a node with a missing optional field and a list holding a non-node."""
    assert len(SOURCES) > 50
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert list(walk(tree)) == list(ast.walk(tree)), path
        for node in ast.walk(tree):
            assert children(node) == list(ast.iter_child_nodes(node)), (path, node)
    odd = ast.Dict(keys=[None, ast.Name("a")], values=[ast.Name("b"), ast.Name("c")])
    assert children(odd) == list(ast.iter_child_nodes(odd))  # ``{**b, a: c}``: a None key
    bare = ast.Return()  # its value never set
    assert children(bare) == list(ast.iter_child_nodes(bare)) == []
