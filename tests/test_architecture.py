"""The layers of DESIGN.md, held by reading the code: what imports what, and the pipeline's shape.

Apps: providers ← audit, outbox ← recipients ← bulkupload ← helpdesk ← portal (`cvms` only
wires). Inside bulkupload:
the engine (plain Python) ← the pipeline ← the job ← the doors ← tasks.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "cvms",
    "providers",
    "audit",
    "outbox",
    "recipients",
    "bulkupload",
    "helpdesk",
    "portal",
)
APP_ORDER = ("providers", "audit", "outbox", "recipients", "bulkupload", "helpdesk", "portal")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, ast.Module]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = ast.parse(path.read_text(), str(path))
    return modules


MODULES = _modules()


def _imported(name: str, tree: ast.Module, *, top_level_only: bool) -> set[str]:
    """The modules `name` imports (relative imports resolved)."""
    is_package = (ROOT / Path(*name.split("."))).is_dir()
    base = name.split(".") if is_package else name.split(".")[:-1]
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                prefix = base[: len(base) - node.level + 1]
                module = ".".join(prefix + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # `from . import jobs` imports the module bulkupload.jobs
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return {module for module in found if module}


def _project_imports(name: str) -> set[str]:
    return {
        module
        for module in _imported(name, MODULES[name], top_level_only=False)
        if module in MODULES
    }


def test_no_module_imports_inside_a_function():
    local = []
    for name, tree in MODULES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        local.append(f"{name}:{inner.lineno}")
    assert local == []


def test_there_is_no_import_cycle():
    graph = {name: _project_imports(name) for name in MODULES}
    cycles = []

    def visit(name: str, path: list[str], on_path: set[str], done: set[str]) -> None:
        for imported in sorted(graph[name]):
            if imported in on_path:
                cycles.append(path[path.index(imported) :] + [imported])
            elif imported not in done:
                on_path.add(imported)
                visit(imported, [*path, imported], on_path, done)
                on_path.discard(imported)
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name], {name}, done)
    assert cycles == []


@pytest.mark.parametrize("app", APP_ORDER)
def test_an_app_never_imports_one_above_it(app):
    higher = APP_ORDER[APP_ORDER.index(app) + 1 :]
    upward = sorted(
        f"{name} imports {module}"
        for name in MODULES
        if name.split(".")[0] == app
        for module in _imported(name, MODULES[name], top_level_only=False)
        if module.split(".")[0] in higher
    )
    assert upward == []


def test_the_engine_never_touches_the_database():
    reached, todo = set(), [name for name in MODULES if name.startswith("bulkupload.engine")]
    while todo:  # everything the engine imports, however indirectly
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        todo += [module for module in _project_imports(name) if module not in reached]
    outside = sorted(name for name in reached if not name.startswith("bulkupload.engine"))
    assert outside == ["recipients.names"]  # plain Python, shared with the models
    database = sorted(
        f"{name} imports {module}"
        for name in reached
        for module in _imported(name, MODULES[name], top_level_only=False)
        if module.startswith(("django.db", "psycopg", "sqlite3"))
    )
    assert database == []


@pytest.mark.parametrize("tasks", ["bulkupload.tasks", "outbox.tasks"])
def test_nothing_imports_the_tasks(tasks):
    importers = sorted(name for name in MODULES if tasks in _project_imports(name))
    assert importers == []


def test_the_pipeline_has_no_celery_and_a_short_entry_point():
    tree = MODULES["bulkupload.pipeline"]
    celery = [m for m in _imported("bulkupload.pipeline", tree, top_level_only=False)]
    assert not [module for module in celery if module.split(".")[0] == "celery"]
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    for name in ("import_file", "import_batches"):
        arguments = functions[name].args
        count = len(arguments.posonlyargs + arguments.args + arguments.kwonlyargs)
        assert count <= 6, name
        nested = [
            node
            for node in ast.walk(functions[name])
            if node is not functions[name]
            and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        ]
        assert nested == [], name


def test_the_image_holds_every_package():
    # docker-compose's image copies the packages one by one: a new app must be added there.
    copied = {
        line.split()[1]
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ")
    }
    assert set(PACKAGES) <= copied


# The homes of hand-written SQL, one per concern (README, "Hand-written SQL"): only these run a
# statement by hand or ask which database they are on; migrations and tests aside.
SQL_HOMES = {
    "bulkupload/writer.py",  # writing an import's rows
    "recipients/search.py",  # searching and paging Loaded Recipients
    "recipients/counts.py",  # the trigger-kept counts
    "recipients/sql.py",  # the recipients' other SQL: username counters, tidy, array binding
    "outbox/sql.py",  # the sender chains' locks, marking an email accepted
    "cvms/health.py",  # the health probe's SELECT 1
    "bench/sql.py",  # the benches' VACUUM, sizes, clean slate
}
_SQL_ATTRIBUTES = {"vendor", "cursor", "raw", "extra", "execute", "executemany"}
_SQL_NAMES = {"RawSQL"}
_SQL_TEXT = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|VACUUM|ANALYZE|TRUNCATE|CREATE|ALTER|DROP)(\s+\S|\s*$)"
)


def _is_statement(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and bool(_SQL_TEXT.match(node.value))
    )


def _hand_written_sql(tree: ast.AST) -> list[str]:
    """What in this module runs SQL by hand or branches on the database: vendor checks, cursors,
    raw queries, and string literals that are statements (docstrings aside)."""
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _SQL_ATTRIBUTES:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in _SQL_NAMES:
            found.append(f"line {node.lineno}: {node.id}")
        elif _is_statement(node) and id(node) not in docstrings:
            found.append(f"line {node.lineno}: {node.value.split()[0]} ...")
    return found


def _python_files() -> list[Path]:
    skipped = {"tests", "migrations", ".venv", "node_modules"}
    return [
        path
        for path in ROOT.rglob("*.py")
        if not skipped & set(path.relative_to(ROOT).parts) and not path.name.startswith(".")
    ]


def test_hand_written_sql_lives_only_in_its_named_homes():
    outside = {}
    for path in _python_files():
        name = path.relative_to(ROOT).as_posix()
        if name not in SQL_HOMES:
            found = _hand_written_sql(ast.parse(path.read_text(), name))
            if found:
                outside[name] = found
    assert outside == {}


def test_every_named_home_of_sql_exists_and_holds_sql():
    for name in SQL_HOMES:
        assert _hand_written_sql(ast.parse((ROOT / name).read_text(), name)), name
