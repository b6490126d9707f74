"""The import rules of docs/architecture.md, checked on the source: every import (at module level,
inside a function or under `if TYPE_CHECKING:`) runs down the layers, and the module graph has no
cycle, so no import can be hidden inside a function to dodge one."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("native", "prover", "circuits", "protocol", "sequencer", "contracts", "client", "zkclear")

# group -> the groups it may import (besides itself); the first matching prefix names a module's group
GROUPS: tuple[tuple[str, str], ...] = (
    ("circuits.primitives", "primitives"),
    ("prover.formats", "formats"),
    ("native", "native"),
    ("protocol", "protocol"),
    ("circuits", "circuits"),
    ("prover", "prover"),
    ("sequencer", "sequencer"),
    ("contracts", "contracts"),
    ("client", "client"),
    ("zkclear", "zkclear"),
)
_LOW = {"native", "primitives", "formats"}
ALLOWED: dict[str, set[str]] = {
    "native": set(),
    "primitives": {"native"},
    "formats": {"native"},
    "protocol": _LOW,
    "circuits": _LOW | {"protocol"},
    "prover": _LOW | {"protocol"},
    "contracts": _LOW | {"protocol", "prover"},
    "sequencer": _LOW | {"protocol", "circuits", "prover", "contracts"},
    "client": _LOW | {"protocol", "prover", "contracts"},
    "zkclear": _LOW | {"protocol", "circuits", "prover", "contracts", "sequencer", "client"},
}


def group_of(module: str) -> str:
    for prefix, group in GROUPS:
        if module == prefix or module.startswith(prefix + "."):
            return group
    raise KeyError(module)


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def imports_of(module: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported project module, line) for every import statement in the file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from a.b import c` imports the submodule a.b.c when there is one
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for t in targets:
            if t.split(".")[0] in PACKAGES:
                while t not in known and "." in t:  # `import a.b.attr` style: the module part
                    t = t.rpartition(".")[0]
                yield t, node.lineno


@pytest.fixture(scope="module")
def graph() -> dict[str, dict[str, int]]:
    known = modules()
    return {m: dict(imports_of(m, p, known)) for m, p in known.items()}


def test_imports_run_down_the_layers(graph: dict[str, dict[str, int]]) -> None:
    bad = []
    for mod, deps in graph.items():
        g = group_of(mod)
        for dep, line in deps.items():
            h = group_of(dep)
            if h != g and h not in ALLOWED[g]:
                bad.append(f"{mod}:{line} ({g}) imports {dep} ({h})")
    assert not bad, "imports against the layer order:\n" + "\n".join(bad)


def test_no_import_cycles(graph: dict[str, dict[str, int]]) -> None:
    # Tarjan's strongly connected components, iteratively
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, {}))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1 or node in graph.get(node, {}):
                    cycles.append(sorted(comp))
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_every_module_has_a_group() -> None:
    for mod in modules():
        group_of(mod)
