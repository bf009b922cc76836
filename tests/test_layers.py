"""The layers stay layers: no import cycle anywhere, no layer importing one above it, only entry
points import `app`, and the sync engine and the providers pull in no web framework, ORM or queue.

Cycles are found in the import graph read from the source (imports inside functions included,
since a lazy import closes a cycle as surely as a top-level one). Each package is also imported,
module by module, in a fresh interpreter, to see what importing it really loads.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "views", "services", "connections", "worker", "sync", "providers",
            "sandbox")
TOP_MODULES = ("app", "cli", "cli_demo", "cli_sync", "config", "cron", "logs",
               "ledgerlink")
# Entry points may import the app; nothing else may (tests are entry points too, and not here).
ENTRY_POINTS = {"ledgerlink", "wsgi", "cli"}
FRAMEWORKS = ("flask", "flask_login", "flask_htmx", "flask_wtf", "werkzeug", "peewee",
              "playhouse", "rq")
OUR_LAYERS = ("app", "cli", "cli_sync", "cron", "models", "views", "services", "connections",
              "worker", "sync")


def first_party_modules():
    """{dotted name: source path} of every module of the app (not tests, migrations or bench)."""
    modules = {name: ROOT / f"{name}.py" for name in TOP_MODULES}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _is_package(name, modules):
    return modules[name].name == "__init__.py"


def _resolve(node, importer, modules):
    """The first-party modules one import statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    base = node.module or ""
    if node.level:
        package = importer if _is_package(importer, modules) else importer.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    named = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in modules:
            named.append(submodule)
        elif base in modules:
            named.append(base)
    return named


def import_graph():
    """{module: set of first-party modules it imports anywhere in its source}."""
    modules = first_party_modules()
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                targets.update(_resolve(node, name, modules))
        targets.discard(name)
        graph[name] = targets
    return graph


def cycles(graph):
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "cron" in graph["cli"]  # cli.py imports the cron table inside the cron command
    assert "views.documents.browse" in graph["views.documents"]


def test_no_import_cycle_anywhere():
    assert cycles(import_graph()) == []


def test_only_entry_points_import_app():
    importers = {name for name, targets in import_graph().items() if "app" in targets}
    assert importers <= ENTRY_POINTS, importers


# What each layer must never import: the layers above it.
ABOVE = {
    "models": {"worker", "services", "connections", "sync", "views", "cron", "cli", "app"},
    "worker": {"services", "connections", "sync", "views", "cron", "cli", "app"},
    "services": {"views", "cron", "cli", "app"},
    "connections": {"views", "cron", "cli", "app"},
    "sync": {"views", "cron", "cli", "app"},
}


def test_lower_layers_do_not_import_higher_ones():
    upward = sorted(f"{name} -> {target}" for name, targets in import_graph().items()
                    for target in targets
                    if target.split(".")[0] in ABOVE.get(name.split(".")[0], ()))
    assert upward == []


def _loaded_by(modules):
    """Import the modules in order in a fresh interpreter; return what sys.modules then holds."""
    code = ("import importlib, json, sys\n"
            "for name in json.loads(sys.argv[1]):\n"
            "    importlib.import_module(name)\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", code, json.dumps(modules)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "FLASK_SKIP_DOTENV": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    return set(json.loads(result.stdout.splitlines()[-1]))


def _modules_of(package):
    return sorted(name for name in first_party_modules()
                  if (name == package or name.startswith(package + "."))
                  and not name.endswith("__main__"))


@pytest.mark.parametrize("package", PACKAGES + TOP_MODULES)
def test_each_package_imports_alone_without_the_app(package):
    loaded = _loaded_by(_modules_of(package))
    if package not in ENTRY_POINTS | {"app"}:
        assert "app" not in loaded


# The engine's pure core: checks and payload building, callable with no app, database or queue.
PURE_SYNC = ("sync", "sync.codes", "sync.preflight", "sync.outgoing")


def _framework_free_modules():
    return [name for name in first_party_modules()
            if name.split(".")[0] == "providers" or name in PURE_SYNC]


@pytest.mark.parametrize("module", _framework_free_modules())
def test_sync_and_providers_pull_in_no_flask_peewee_or_rq(module):
    loaded = _loaded_by([module])
    frameworks = sorted(name for name in loaded if name.split(".")[0] in FRAMEWORKS)
    assert frameworks == []
    if module.startswith("providers"):
        layers = sorted(name for name in loaded if name.split(".")[0] in OUR_LAYERS)
        assert layers == []  # providers stand alone: no models, views, services, ...
