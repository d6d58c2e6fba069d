"""The tree helpers the model-call analyses walk with give what ``ast``'s own do."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from readiness.llmcalls.syntax import children, walk

SOURCES = sorted((Path(__file__).parent.parent / "readiness").rglob("*.py"))


def _without_contexts(nodes: Iterable[ast.AST]) -> list[ast.AST]:
    return [node for node in nodes if not isinstance(node, ast.expr_context)]


def test_children_and_walk_give_the_same_nodes_in_the_same_order_as_ast() -> None:
    """On this package's own modules (every statement and expression kind it uses), and
    on a node with a missing optional field and a list holding a non-node: the nodes of
    ``ast``'s walks, less the expression contexts (``Load``, ``Store``, ``Del``)."""
    assert len(SOURCES) > 50
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert list(walk(tree)) == _without_contexts(ast.walk(tree)), path
        for node in ast.walk(tree):
            assert children(node) == _without_contexts(ast.iter_child_nodes(node)), (path, node)
    odd = ast.Dict(keys=[None, ast.Name("a")], values=[ast.Name("b"), ast.Name("c")])
    assert children(odd) == list(ast.iter_child_nodes(odd))  # ``{**b, a: c}``: a None key
    bare = ast.Return()  # its value never set
    assert children(bare) == list(ast.iter_child_nodes(bare)) == []
    names = ast.Global(names=["a", "b"])  # a list of strings: no children
    imported = ast.parse("from a import b as c, d").body[0]
    assert children(names) == [] and children(imported) == list(ast.iter_child_nodes(imported))
    assert len(children(imported)) == 2  # the aliases
    assigned = list(walk(ast.parse("x.y = z").body[0]))  # Assign, Attribute, Name z, Name x
    assert len(assigned) == 4 and not any(isinstance(n, ast.expr_context) for n in assigned)
