"""The package layout, checked rather than hoped for.

Every `import` of the package is read with `ast` (inside functions too, so a lazy
import cannot hide a circle) and the rules of docs/development.md are asserted:

- no import circle between modules;
- `core` (config, crypto, database, extensions, ...) imports nothing of the app above it;
- `models` import only `core` and each other;
- a domain's services never import the web layer or any blueprint module, never read
  the request, and name no URL and no template (journal/web/presenters.py does);
- nothing but `journal/__init__.py` imports `journal.wiring`, and `wiring` is the only
  place that registers one domain's pieces with another's registry.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "journal"
DOMAINS = {
    "accounts",
    "care",
    "dosing",
    "entries",
    "integration",
    "mood",
    "outbox",
    "reminders",
    "your_data",
    "admin",
}
REGISTRATIONS = (
    "register_adapter",
    "register_category",
    "register_brief_section",
    "register_open_flags",
    "register_last_check_in",
    "register_kind",
    "register_source",
    "register_done_hook",
    "add_section",
    "add_source",
    "on_udk_rotation",
    "on_pepper_rotation",
    "register_task",
    "register_periodic",
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield full if full in MODULES else node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


GRAPH = {
    name: {dep for dep in _imports(path) if dep in MODULES and dep != name}
    for name, path in MODULES.items()
}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _is_view(module: str) -> bool:
    return ".views" in module or _area(module) == "web"


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(GRAPH[node]):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
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

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_the_layout_reads_every_module() -> None:
    assert "journal.wiring" in MODULES
    assert "journal.core.crypto" in MODULES
    assert {_area(m) for m in MODULES} >= DOMAINS | {"core", "models", "web", "content"}


def test_no_module_imports_itself_in_a_circle() -> None:
    assert _cycles() == []


def test_the_circle_check_finds_a_circle() -> None:
    GRAPH["journal.core.config"].add("journal.core.crypto")
    GRAPH["journal.core.crypto"].add("journal.core.config")
    try:
        assert ["journal.core.config", "journal.core.crypto"] in _cycles()
    finally:
        GRAPH["journal.core.crypto"].discard("journal.core.config")
        if "journal.core.crypto" not in set(_imports(MODULES["journal.core.config"])):
            GRAPH["journal.core.config"].discard("journal.core.crypto")


def test_core_knows_no_domain() -> None:
    wrong = [(m, d) for m in GRAPH if _area(m) == "core" for d in GRAPH[m] if _area(d) != "core"]
    assert wrong == []


def test_models_import_only_core_and_models() -> None:
    wrong = [
        (m, d)
        for m in GRAPH
        if _area(m) == "models"
        for d in GRAPH[m]
        if _area(d) not in {"core", "models"}
    ]
    assert wrong == []


def test_services_import_no_web_module_and_no_blueprint() -> None:
    wrong = [
        (m, d)
        for m in GRAPH
        if _area(m) in DOMAINS and not _is_view(m)
        for d in GRAPH[m]
        if _is_view(d) or d == "journal.wiring"
    ]
    assert wrong == []


def test_services_use_no_request() -> None:
    """A service is called from views, the CLI and jobs alike: it takes what it needs
    as arguments instead of reading the request."""
    wrong = []
    for module, path in MODULES.items():
        if _area(module) not in DOMAINS or _is_view(module):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                names = {alias.name for alias in node.names}
                if names & {"request", "session", "render_template", "make_response"}:
                    wrong.append((module, sorted(names)))
    assert wrong == []


def test_services_know_no_url_and_no_template() -> None:
    """Where a record opens and which template shows it is journal/web/presenters.py's
    business: a service that returned a URL could not run in a job or the CLI."""
    wrong = []
    for module, path in MODULES.items():
        if _area(module) not in DOMAINS or _is_view(module):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Name) and node.id in {"url_for", "render_template"}:
                wrong.append((module, node.id, node.lineno))
            if isinstance(node, ast.Constant) and str(node.value).endswith(".html"):
                wrong.append((module, node.value, node.lineno))
    assert wrong == []


def test_only_the_wiring_registers_across_domains() -> None:
    """A call such as `shareable.register_adapter(...)` anywhere but journal/wiring.py
    would be registration by import side effect again."""
    wrong = []
    for module, path in MODULES.items():
        if module == "journal.wiring":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in REGISTRATIONS
            ):
                wrong.append((module, node.func.attr, node.lineno))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if isinstance(target, ast.Attribute) and target.attr in REGISTRATIONS:
                        wrong.append((module, target.attr, node.lineno))
    assert wrong == []


def _base_name(base: ast.expr) -> str:
    target = base.value if isinstance(base, ast.Subscript) else base
    return target.id if isinstance(target, ast.Name) else ""


def test_every_form_is_read_the_same_way() -> None:
    """journal/core/forms.py: each form has `read(posted)`; there is no second way."""
    forms, without = [], []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef) or not node.name.endswith("Form"):
                continue
            if any(_base_name(b) in {"Protocol", "Generic"} for b in node.bases):
                continue  # a shape or a shared base, read through its subclasses
            forms.append(node.name)
            methods = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
            if "read" not in methods or methods & {"validated", "from_mapping", "parse"}:
                without.append((module, node.name))
    assert len(forms) >= 10
    assert without == []
