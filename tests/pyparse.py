"""``ast.parse`` for the tests that read the project's own source (import graph, declared inputs, dependencies,
template keys), tolerant of a CPython 3.11 fault.

CPython 3.11 keeps the AST constructor's recursion count in interpreter-wide state, so a parse can fail with a
spurious ``SystemError: AST constructor recursion depth mismatch`` when another thread parses at the same time or
the call is deep in a fixture's stack (python/cpython#106905; seen once in `make test-quick` in
`test_dependencies.py`). The source is fine: parsing it again on a fresh thread, with its own shallow stack, gives
the tree. Any other error, or the same one twice, is raised as it is.
"""

from __future__ import annotations

import ast
import threading


def parse_python(source: str, filename: str = "<unknown>") -> ast.Module:
    try:
        return ast.parse(source, filename)
    except SystemError as error:
        if "recursion depth mismatch" not in str(error):
            raise
    parsed: dict[str, ast.Module] = {}
    thread = threading.Thread(target=lambda: parsed.update(tree=ast.parse(source, filename)), daemon=True)
    thread.start()
    thread.join()
    return parsed["tree"] if "tree" in parsed else ast.parse(source, filename)
