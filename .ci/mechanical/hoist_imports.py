"""Hoist function-local imports of the standard library, Django and verwerker to the module's top;
third-party imports stay deferred (heavy, or only some processes need them) with a comment saying so.
Usage: python3 .ci/mechanical/hoist_imports.py [files...]  (default: src/verwerker, no tests/migrations),
then `ruff check --fix --select I,F401 src`. Only an import of a lower layer of docs/design.md (or of the app's
own models) moves, so no cycle can appear; the others get a comment saying why they stay."""
import ast, pathlib, subprocess, sys

STDLIB = set(sys.stdlib_module_names)
# Loaded before the app registry is ready (apps.py: ready() imports what needs models), or before
# Django is set up at all (cli, settings, wsgi/asgi, the pytest plugin): their local imports are the point.
SKIP = {"apps.py", "cli.py", "settings.py", "wsgi.py", "asgi.py", "__main__.py", "pytest_plugin.py"}
MARK_HEAVY = "  # deferred: a heavy import"
MARK_CYCLE = "  # local: same layer or upward, a cycle at the top"
MARK_CLASH = "  # local: the module binds this name otherwise"


def top_names(tree):
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                key = a.asname or a.name.split(".")[0]
                names[key] = ("import", node.module if isinstance(node, ast.ImportFrom) else None, a.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = ("def", None, None)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        names[n.id] = ("assign", None, None)
    return names


def local_imports(tree):
    found = []

    def visit(node, in_function, guarded):
        for child in ast.iter_child_nodes(node):
            fn = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            g = guarded or isinstance(child, ast.Try) or (isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test))
            if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                found.append((child, guarded))
            visit(child, fn, g)

    visit(tree, False, False)
    return found


# The layers of docs/design.md ("Dependencies between apps"), bottom first; apps in one layer use each
# other, so only an import of a lower layer (or of the app's own models) can move to the top.
RANK = {"lib": 0, "audit": 1, "accounts": 1, "clients": 1, "vault": 2, "retention": 3, "datafiles": 4, "intake": 5,
        "production": 6, "privacy": 7, "crm": 7, "facilities": 7, "runtime": 8, "demo": 8}


def movable(source_app: str, node) -> bool:
    module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
    parts = module.split(".")
    if parts[0] != "verwerker":
        return True
    if len(parts) == 1:
        return False
    target = parts[1]
    if target == source_app:
        return len(parts) > 2 and parts[2] == "models"
    return target in RANK and source_app in RANK and RANK[target] < RANK[source_app]


def root(node):
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] if node.level == 0 else "."
    return node.names[0].name.split(".")[0]


def hoist(path: pathlib.Path) -> int:
    app = path.parts[path.parts.index("verwerker") + 1] if len(path.parts) > path.parts.index("verwerker") + 2 else ""
    src = path.read_text()
    tree = ast.parse(src)
    lines = src.split("\n")
    tops = top_names(tree)
    top_stmts = {ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))}
    remove, add, mark, cycle, clash = [], [], [], [], []
    for node, guarded in local_imports(tree):
        r = root(node)
        if guarded or r == "." or r == "__future__":
            continue
        if r not in STDLIB and r not in ("django", "verwerker"):
            if "#" not in lines[node.lineno - 1]:
                mark.append(node.lineno)
            continue
        if not movable(app, node):
            if "#" not in lines[node.lineno - 1]:
                cycle.append(node.lineno)
            continue
        ok = True
        for a in node.names:
            key = a.asname or a.name.split(".")[0]
            mod = node.module if isinstance(node, ast.ImportFrom) else None
            if key in tops and tops[key] != ("import", mod, a.name):
                ok = False  # the name means something else at the top (e.g. _ = gettext_lazy)
        if not ok:
            if "#" not in lines[node.lineno - 1]:
                clash.append(node.lineno)
            continue
        remove.append((node.lineno, node.end_lineno))
        stmt = ast.unparse(node)
        if stmt not in top_stmts and stmt not in add:
            add.append(stmt)
        for a in node.names:
            tops[a.asname or a.name.split(".")[0]] = ("import", node.module if isinstance(node, ast.ImportFrom) else None, a.name)
    if not remove and not mark and not cycle and not clash:
        return 0
    notes = {**{n: MARK_HEAVY for n in mark}, **{n: MARK_CYCLE for n in cycle}, **{n: MARK_CLASH for n in clash}}
    above = []
    for n, note in notes.items():
        if len(lines[n - 1] + note) <= 120:
            lines[n - 1] += note
        else:
            above.append((n, note))
    for n, note in sorted(above, reverse=True):
        indent = lines[n - 1][: len(lines[n - 1]) - len(lines[n - 1].lstrip())]
        lines.insert(n - 1, indent + "# " + note.strip()[2:])
        remove = [(a + 1 if a >= n else a, b + 1 if b >= n else b) for a, b in remove]
    for start, end in sorted(remove, reverse=True):
        indent = lines[start - 1][: len(lines[start - 1]) - len(lines[start - 1].lstrip())]
        del lines[start - 1 : end]
        if start - 1 < len(lines) and not lines[start - 1].strip() and lines[start - 2].rstrip().endswith(":"):
            del lines[start - 1]  # the blank line that followed the imports, right after the def
        try:
            ast.parse("\n".join(lines))
        except SyntaxError:  # the import was the body's only statement
            lines.insert(start - 1, indent + "pass")
    new = "\n".join(lines)
    tree2 = ast.parse(new)  # must still parse
    last = [n for n in tree2.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    # insert after the last top-level import that precedes the first def/class (module docstring kept first)
    first_def = next((n.lineno for n in tree2.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))), None)
    before = [n for n in last if first_def is None or n.lineno < first_def]
    at = before[-1].end_lineno if before else (tree2.body[0].end_lineno if tree2.body and isinstance(tree2.body[0], ast.Expr) else 0)
    lines = new.split("\n")
    lines[at:at] = add
    new = "\n".join(lines)
    # remove blank line directly after a def/with line left by a removed import (cosmetic); ruff format fixes others
    ast.parse(new)
    path.write_text(new)
    return len(remove)


if __name__ == "__main__":
    files = [pathlib.Path(a) for a in sys.argv[1:]] or [
        p for p in sorted(pathlib.Path("src/verwerker").rglob("*.py"))
        if "tests" not in p.parts and "migrations" not in p.parts and p.name not in SKIP
    ]
    total = 0
    for f in files:
        total += hoist(f)
    print(total, "imports hoisted")
