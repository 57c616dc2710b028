"""The architecture holds: no registry is filled from outside its module, and the imports between apps
follow the arrows docs/design.md lists ("Dependencies between apps"). Both read the source with ast."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "verwerker"
DESIGN = Path(__file__).resolve().parents[1] / "docs" / "design.md"
MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault", "__setitem__"}


@functools.cache
def _modules() -> dict[str, ast.Module]:
    """Every module of the system (tests and migrations left out: they are not part of the running code)."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        name = ".".join(("verwerker", *rel.with_suffix("").parts)).removesuffix(".__init__")
        found[name] = ast.parse(path.read_text(), filename=str(path))
    return found


def _containers(tree: ast.Module) -> set[str]:
    """Public module-level names bound to a list, dict or set (literal or constructor)."""
    names = set()
    for node in tree.body:
        targets, value = [], None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        literal = isinstance(value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id in {"list", "dict", "set", "defaultdict", "OrderedDict"}
        )
        if literal:
            names |= {t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("_")}
    return names


def _mutated(node: ast.AST) -> ast.expr | None:
    """The container an expression statement or assignment mutates (x.append(...), x[k] = v), if any."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
        return node.func.value
    if isinstance(node, ast.Assign | ast.AugAssign):
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            if isinstance(target, ast.Subscript):
                return target.value
    return None


def _imports(tree: ast.Module) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """(alias -> module imported as a whole, name -> (module, name) imported from a module)."""
    modules, names = {}, {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"  # a submodule imported by name
    return modules, names


def registry_violations(modules: dict[str, ast.Module]) -> list[str]:
    containers = {(mod, name) for mod, tree in modules.items() for name in _containers(tree)}
    # Functions that fill their own module's container: a call from another module is a registration.
    registrars = set()
    for mod, tree in modules.items():
        for fn in tree.body:
            if isinstance(fn, ast.FunctionDef):
                for node in ast.walk(fn):
                    target = _mutated(node)
                    if isinstance(target, ast.Name) and (mod, target.id) in containers:
                        registrars.add((mod, fn.name))
    found = []
    for mod, tree in modules.items():
        aliases, names = _imports(tree)
        for node in ast.walk(tree):
            target = _mutated(node)
            owner = None
            if isinstance(target, ast.Name) and target.id in names:
                owner = names[target.id]
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                if target.value.id in aliases:
                    owner = (aliases[target.value.id], target.attr)
            if owner in containers and owner[0] != mod:
                found.append(f"{mod} fills {owner[0]}.{owner[1]} (line {node.lineno})")
        for imported in names.values():
            if imported in registrars and imported[0] != mod:
                found.append(f"{mod} uses {imported[0]}.{imported[1]}, which fills a registry of its module")
    return found


def test_no_module_fills_another_modules_registry():
    assert registry_violations(_modules()) == []


def test_the_registry_check_finds_a_registry_filled_from_outside():
    """The check itself: a list appended to from another module, directly or through a register function."""
    modules = {
        "verwerker.a": ast.parse("HOOKS = []\ndef register(f):\n    HOOKS.append(f)\n    return f\n"),
        "verwerker.b": ast.parse("from verwerker import a\na.HOOKS.append(print)\n"),
        "verwerker.c": ast.parse("from verwerker.a import register\n@register\ndef hook():\n    pass\n"),
        "verwerker.d": ast.parse("from verwerker.a import HOOKS\ndef ready():\n    HOOKS.extend([print])\n"),
    }
    found = registry_violations(modules)
    assert any(v.startswith("verwerker.b fills verwerker.a.HOOKS") for v in found)
    assert any(v.startswith("verwerker.c uses verwerker.a.register") for v in found)
    assert any(v.startswith("verwerker.d fills verwerker.a.HOOKS") for v in found)


# -- arrows between apps ------------------------------------------------------------------------------


def _apps() -> set[str]:
    return {p.parent.name for p in SRC.glob("*/apps.py")} | {"lib"}


def app_imports(modules: dict[str, ast.Module]) -> dict[str, dict[str, set[str]]]:
    """{app: {app it imports: modules that do}} for every import in the system's code, at the top of a
    module or inside a function alike."""
    apps = _apps()
    arrows: dict[str, dict[str, set[str]]] = {app: {} for app in apps}
    for mod, tree in modules.items():
        parts = mod.split(".")
        if len(parts) < 3 or parts[1] not in apps:
            continue
        source = parts[1]
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
            for target in targets:
                if source == "lib" and (target == "django" or target.startswith("django.")):
                    arrows[source].setdefault("django", set()).add(mod)
                tparts = target.split(".")
                if tparts[0] == "verwerker" and len(tparts) > 1 and tparts[1] != source:
                    if tparts[1] in apps or source == "lib":
                        arrows[source].setdefault(tparts[1], set()).add(mod)
    return arrows


def documented_arrows() -> dict[str, set[str]]:
    """The block under "Dependencies between apps" in docs/design.md: `app -> a, b  # why`."""
    text = DESIGN.read_text()
    block = re.search(r"## Dependencies between apps.*?```text\n(.*?)```", text, re.S)
    assert block, "docs/design.md has no 'Dependencies between apps' block"
    allowed = {}
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        app, _, targets = line.partition("->")
        allowed[app.strip()] = {t.strip() for t in targets.split(",") if t.strip()}
    return allowed


def test_the_imports_between_apps_are_the_arrows_docs_design_lists():
    actual = app_imports(_modules())
    allowed = documented_arrows()
    assert set(actual) <= set(allowed), f"apps missing from docs/design.md: {sorted(set(actual) - set(allowed))}"
    undocumented = {
        f"{app} -> {target} ({', '.join(sorted(by))})"
        for app, targets in actual.items() for target, by in targets.items() if target not in allowed[app]
    }
    assert not undocumented, "imports against docs/design.md's arrows:\n" + "\n".join(sorted(undocumented))
    unused = {f"{app} -> {t}" for app, targets in allowed.items() for t in targets if t not in actual.get(app, {})}
    assert not unused, "docs/design.md lists arrows no code follows (remove them):\n" + "\n".join(sorted(unused))


def test_lib_imports_no_django_and_no_app_and_audit_only_accounts():
    allowed = documented_arrows()
    assert allowed["lib"] == set()
    assert allowed["audit"] <= {"accounts", "lib"}
    actual = app_imports(_modules())
    assert actual["lib"] == {} and set(actual["audit"]) <= {"accounts", "lib"}


def test_the_arrow_check_sees_an_import_inside_a_function():
    modules = {"verwerker.vault.x": ast.parse("def f():\n    from verwerker.production.models import Job\n")}
    assert app_imports(modules)["vault"] == {"production": {"verwerker.vault.x"}}
