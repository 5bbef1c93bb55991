"""Where code lives, checked: the shape of docs/architecture.md that import-linter cannot see.

- a view module reads through selectors and writes through services: no ``Model.objects`` in it;
- no import guard (``except ImportError``, ``LookupError``, ``NoReverseMatch``): a broken import or
  a missing URL must break loudly, not turn into an empty result;
- services are keyword-only, so a call site says what each value is;
- no module over 600 lines and no function over 80, outside migrations;
- every domain app has the same file set.
"""

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Every app on a layer: the import-linter root packages (pyproject.toml), so a new app is checked from birth.
APPS = [
    name
    for name in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]
    if name != "config"
]
# The DPO console keeps no table of its own: alerts are rows of the access-log core (grc.audit).
FILE_SETS = {
    "grc": ("models", "services", "selectors", "perms"),
    "dossier_unique": ("models", "services", "selectors", "perms"),
    "demandes": ("models", "services", "selectors", "perms"),
    "mail": ("models", "services", "selectors", "perms"),
    "privacy": ("models", "services", "selectors", "perms"),
    "dpo": ("services", "selectors", "perms"),
    "rendezvous": ("models", "services", "selectors", "perms"),
    "accueil": ("models", "services", "selectors", "perms"),
    "droits": ("models", "services", "selectors", "perms"),
    "annuaire": ("models", "services", "selectors", "perms"),
    "mednum": ("models", "services", "selectors", "perms"),
    "observatoire": ("models", "services", "selectors", "perms"),
    "travail": ("models", "services", "selectors", "perms"),
}
GUARDED = {"ImportError", "ModuleNotFoundError", "LookupError", "NoReverseMatch"}
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _sources(roots):
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _tree(path):
    return ast.parse(path.read_text(), filename=str(path))


def _rel(path):
    return str(path.relative_to(ROOT))


def _is_view_module(path):
    return path.stem == "views" or path.parent.name == "views" or path.stem.startswith("views_")


def test_views_do_not_query_models_directly():
    found = []
    for path in _sources(APPS):
        if not _is_view_module(path):
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Attribute) and node.attr == "objects":
                found.append(f"{_rel(path)}:{node.lineno}")
    assert not found, "Model.objects in a view module (use a selector or a service):\n" + "\n".join(found)


def _caught_names(handler):
    if handler.type is None:
        return set()
    nodes = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "") for node in nodes}


def test_no_guard_hides_a_broken_import_or_a_missing_name():
    found = []
    for path in _sources([*APPS, "config"]):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ExceptHandler) and _caught_names(node) & GUARDED:
                found.append(f"{_rel(path)}:{node.lineno}")
    assert not found, "guard import or lookup (let it fail loudly):\n" + "\n".join(found)


def _service_modules():
    for path in _sources(APPS):
        if path.stem == "services" or path.parent.name == "services":
            yield path


def test_services_take_keyword_arguments_only():
    found = []
    for path in _service_modules():
        for node in _tree(path).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                if node.args.posonlyargs or node.args.args:
                    found.append(f"{_rel(path)}:{node.lineno} {node.name}")
    assert not found, "service with positional arguments (put * first):\n" + "\n".join(found)


@pytest.mark.parametrize("root", [*APPS, "config", "bench", "tests"])
def test_modules_and_functions_stay_small(root):
    too_big = []
    for path in _sources([root]):
        source = path.read_text()
        lines = source.count("\n")
        if lines > MAX_MODULE_LINES:
            too_big.append(f"{_rel(path)} ({lines} lines)")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_big.append(f"{_rel(path)}:{node.lineno} {node.name} ({length} lines)")
    assert not too_big, "split by responsibility:\n" + "\n".join(too_big)


@pytest.mark.parametrize("app", sorted(FILE_SETS))
def test_every_domain_app_has_the_standard_file_set(app):
    missing = [
        name
        for name in FILE_SETS[app]
        if not (ROOT / app / f"{name}.py").exists() and not (ROOT / app / name / "__init__.py").exists()
    ]
    assert missing == [], f"{app} lacks {', '.join(missing)}"
