"""The house stays easy to change: no import cycles among the package's modules, no module over 500 lines.

The import graph is read from the source, function-level imports included (a lazy import still ties
two modules together). Imports under `if TYPE_CHECKING:` never run, but they tie the modules together
for a reader all the same: the graph with them must have no cycle either. The verdict is a wing with
one door: it reads the methods' evidence (`audit/evidence`) and nothing else of the audit. The wings
of `distill/` import each other one way only (the order `distill/__init__.py` documents), and code
outside `distill/` takes a name a wing's face exports from the face, not from the module behind it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import distillscope

PACKAGE = Path(distillscope.__file__).parent
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def imports_of(path: Path, known: set[str], type_checking: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set() if type_checking else _type_checking_lines(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if target in known:
                    found.add(target)
                elif node.module in known:
                    found.add(node.module)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_module_graph_has_no_cycle():
    found = modules()
    known = set(found)
    graph = {name: imports_of(path, known) - {name} for name, path in found.items()}
    assert sum(len(edges) for edges in graph.values()) > 100  # the reader sees the imports
    assert cycles(graph) == []


def test_no_cycle_either_through_type_checking_imports():
    found = modules()
    known = set(found)
    graph = {name: imports_of(path, known, type_checking=True) - {name} for name, path in found.items()}
    assert cycles(graph) == []


def test_the_verdict_reads_nothing_of_the_audit_but_its_evidence():
    found = modules()
    known = set(found)
    verdict, evidence = "distillscope.audit.verdict", "distillscope.audit.evidence"
    reaching_out = {
        name: sorted(
            target
            for target in imports_of(path, known, type_checking=True)
            if target.startswith("distillscope.audit") and not target.startswith((verdict, evidence))
        )
        for name, path in found.items()
        if name.startswith(verdict)
    }
    assert len(reaching_out) > 5  # the wing was found
    assert {name: targets for name, targets in reaching_out.items() if targets} == {}


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_is_over_500_lines():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_the_wheel_holds_no_test_doubles():
    """Servers, proxies and toy models live with the tests (`tests/doubles`), not in the installed package."""
    assert not (PACKAGE / "testing").exists()
    reaching = [
        name
        for name, path in modules().items()
        if any(
            isinstance(node, ast.Import | ast.ImportFrom)
            and any(n == "doubles" or n.startswith("doubles.") for n in _imported_names(node))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    ]
    assert reaching == []


def _imported_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    return [node.module or ""] if isinstance(node, ast.ImportFrom) else [alias.name for alias in node.names]


def method_packages() -> set[str]:
    """Where each built-in audit method lives: the package of the module it is registered from."""
    from distillscope.audit import _BUILT_IN

    return {target.split(":")[0].rsplit(".", 1)[0] for _, target, _ in _BUILT_IN}


def verdict_reads(path: Path) -> list[int]:
    """Lines that reach for the verdict's settings: `<...>.job.verdict`, or the `VerdictSettings` type."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        through_job = (
            isinstance(node, ast.Attribute)
            and node.attr == "verdict"
            and (
                (isinstance(node.value, ast.Attribute) and node.value.attr == "job")
                or (isinstance(node.value, ast.Name) and node.value.id == "job")
            )
        )
        by_type = isinstance(node, ast.Name | ast.alias) and "VerdictSettings" in (
            node.id if isinstance(node, ast.Name) else node.name
        )
        if through_job or by_type:
            lines.append(node.lineno)
    return lines


def test_no_method_reads_the_verdicts_settings():
    """Collecting data is the methods'; deciding is the verdict's. What a method may take from the verdict
    (ICE's early stop) the resolved audit hands it, decided once (`ResolvedAudit.stop_early`)."""
    packages = method_packages()
    assert {"distillscope.audit.ice", "distillscope.audit.rse", "distillscope.audit.whitebox"} <= packages
    reaching = {
        name: found
        for name, path in modules().items()
        if name.startswith(tuple(packages)) and (found := verdict_reads(path))
    }
    assert reaching == {}


def test_the_verdict_reader_finds_a_read(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f(audit):\n    return audit.job.verdict.sequential\n", encoding="utf-8")
    assert verdict_reads(source) == [2]
    source.write_text("from x import VerdictSettings\n\ndef f(job):\n    return job.verdict\n", encoding="utf-8")
    assert verdict_reads(source) == [1, 4]
    source.write_text("def f(audit):\n    return audit.stop_early\n", encoding="utf-8")
    assert verdict_reads(source) == []


# The wings of distill/ and the wings each may import (distill/__init__.py says why). `recipe` is
# the one module above the wings.
DISTILL = "distillscope.distill"
WING_IMPORTS: dict[str, set[str]] = {
    "generation": set(),
    "common": set(),
    "selection": {"common"},
    "signal": {"common"},
    "training": {"signal", "common"},
    "pruning": {"signal", "common"},
    "recipe": {"generation", "selection", "signal", "training", "pruning", "common"},
}


def wing_of(module: str) -> str | None:
    """The distill wing a module belongs to, or None outside distill/ (and for distill/__init__ itself)."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and module.startswith(DISTILL + ".") else None


def backwards_imports(graph: dict[str, set[str]], allowed: dict[str, set[str]]) -> dict[str, list[str]]:
    """Each module of a wing that imports a wing it may not, with the offending targets."""
    found: dict[str, list[str]] = {}
    for name, targets in graph.items():
        wing = wing_of(name)
        if wing is None:
            continue
        wrong = sorted(t for t in targets if (other := wing_of(t)) and other != wing and other not in allowed[wing])
        if wrong:
            found[name] = wrong
    return found


def test_the_distill_wings_are_the_documented_ones():
    root = PACKAGE / "distill"
    wings = {p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    loose = {p.stem for p in root.glob("*.py")} - {"__init__"}
    assert wings | loose == set(WING_IMPORTS)
    assert loose == {"recipe"}


def test_the_distill_wings_import_each_other_one_way_only():
    found = modules()
    known = set(found)
    graph = {name: imports_of(path, known, type_checking=True) for name, path in found.items()}
    crossing = [(name, t) for name, ts in graph.items() for t in ts if wing_of(t) not in (None, wing_of(name))]
    crossing = [(name, t) for name, t in crossing if wing_of(name)]
    assert len(crossing) > 10  # the wings were found, and they do use each other
    assert backwards_imports(graph, WING_IMPORTS) == {}


def test_the_direction_rule_finds_a_backwards_import():
    graph = {
        f"{DISTILL}.signal.chunked": {f"{DISTILL}.common.loading"},
        f"{DISTILL}.common.dataset": {f"{DISTILL}.training.job", f"{DISTILL}.common.loading"},
        f"{DISTILL}.generation.generate": {"distillscope.models.batch"},
    }
    assert backwards_imports(graph, WING_IMPORTS) == {f"{DISTILL}.common.dataset": [f"{DISTILL}.training.job"]}


def face_exports() -> dict[str, set[str]]:
    """Each wing's `__all__`, read from its `__init__` without importing it."""
    faces: dict[str, set[str]] = {}
    for init in sorted((PACKAGE / "distill").glob("*/__init__.py")):
        for node in ast.parse(init.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                faces[f"{DISTILL}.{init.parent.name}"] = set(ast.literal_eval(node.value))
    return faces


def private_imports_of_face_names(path: Path, faces: dict[str, set[str]]) -> list[str]:
    """`from <wing>.<module> import NAME` where the wing's face exports NAME."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
            continue
        face = ".".join(node.module.split(".")[:3])
        if node.module != face and face in faces:
            found += [f"{node.module}:{a.name}" for a in node.names if a.name in faces[face]]
    return found


def test_outside_distill_a_name_the_face_exports_comes_from_the_face():
    faces = face_exports()
    assert set(faces) == {f"{DISTILL}.{wing}" for wing in WING_IMPORTS if wing != "recipe"}
    repo = Path(__file__).resolve().parents[1]
    outside = [p for p in PACKAGE.rglob("*.py") if PACKAGE / "distill" not in p.parents]
    outside += list((repo / "tests").rglob("*.py")) + list((repo / "bench").glob("*.py"))
    found = {str(p): names for p in outside if (names := private_imports_of_face_names(p, faces))}
    assert len(outside) > 100
    assert found == {}


def test_the_face_rule_finds_a_private_import(tmp_path: Path):
    faces = {f"{DISTILL}.signal": {"KDLoss"}}
    caller = tmp_path / "caller.py"
    caller.write_text(
        f"from {DISTILL}.signal.loss_config import KDLoss, _HERE\nfrom {DISTILL}.signal import KDLoss\n",
        encoding="utf-8",
    )
    assert private_imports_of_face_names(caller, faces) == [f"{DISTILL}.signal.loss_config:KDLoss"]


def test_every_name_a_face_exports_is_found():
    import importlib

    for face, names in face_exports().items():
        package = importlib.import_module(face)
        missing = [name for name in sorted(names) if not hasattr(package, name)]
        assert missing == [], face
