"""The package's shape: data flows one way through the stages, with no import cycle.

Every `import` in `dsl/` counts, lazy ones inside functions included (only those under
`if TYPE_CHECKING:` are left out): a cycle through a lazy import is still a cycle a reader
has to untangle. Stages may import earlier stages and the shared leaves, never later ones,
and no module imports a name another module keeps private (a leading underscore).
"""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "dsl"

#: The stages in data-flow order; a module may import its own stage and the ones before it.
STAGES = ("text", "doc", "morph", "gazetteer", "pattern", "pack", "io", "engines", "tools", "spacy", "bench", "cli")
#: Leaves every stage may import (they import no stage).
LEAVES = ("dsl.errors", "dsl.frozen", "dsl.version", "dsl.cache")


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = list(p.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _imports(mod: str, path: Path) -> list[tuple[str, tuple[str, ...], int]]:
    """(module imported, names taken from it, line) for every import outside TYPE_CHECKING blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test):
            typing_only.update(id(s) for s in ast.walk(n))
    is_pkg = path.name == "__init__.py"
    out = []
    for n in ast.walk(tree):
        if id(n) in typing_only:
            continue
        if isinstance(n, ast.Import):
            out += [(a.name, (), n.lineno) for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            if n.level:
                base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                base = base[:len(base) - (n.level - 1)]
                target = ".".join(base + ([n.module] if n.module else []))
            else:
                target = n.module or ""
            names = tuple(a.name for a in n.names)
            # `from pkg import submodule` imports the submodule
            subs = [f"{target}.{a}" for a in names if f"{target}.{a}" in MODULES]
            out += [(s, (), n.lineno) for s in subs]
            rest = tuple(a for a in names if f"{target}.{a}" not in MODULES)
            if rest or not subs:
                out.append((target, rest, n.lineno))
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for mod, path in MODULES.items():
        deps = set()
        for target, _, _ in _imports(mod, path):
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != mod and target != "dsl":
                deps.add(target)
        graph[mod] = deps
    return graph


def _stage(mod: str) -> int | None:
    parts = mod.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def test_no_import_cycle_among_dsl_modules():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:   # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_stages_import_only_earlier_stages_and_the_shared_leaves():
    bad = []
    for mod, deps in _graph().items():
        here = _stage(mod)
        for dep in deps:
            if dep in LEAVES:
                continue
            there = _stage(dep)
            if mod in LEAVES:
                bad.append(f"{mod} (a shared leaf) imports {dep}")
            elif here is not None and there is not None and there > here:
                bad.append(f"{mod} imports the later stage {dep}")
    assert bad == []


def test_no_module_imports_another_modules_private_names():
    bad = []
    for mod, path in MODULES.items():
        for target, names, line in _imports(mod, path):
            if not target.startswith("dsl") or target == mod:
                continue
            bad += [f"{path.relative_to(PKG.parent)}:{line}: {target}.{n}" for n in names
                    if n.startswith("_") and n != "__version__"]
    assert bad == []


def test_the_vm_does_not_load_the_compiler_or_lark():
    """Like CPython's `re`: the engine reads programs; only the compiler knows the grammar."""
    deps = _graph()
    seen, todo = set(), ["dsl.pattern.vm"]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo += deps[m]
    assert "dsl.pattern.compiler" not in seen and "dsl.pattern.parser" not in seen
