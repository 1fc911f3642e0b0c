"""No text is translated when a module is imported.

A module-level (or class-level) call of gettext runs once, in whatever language the request that
first imported the module had: the start page's 「実績報告をする」 read "Submit the completion report"
to every Japanese user of a process whose first visitor had chosen English. Text kept at module
level must be gettext_lazy (translated when shown); gettext belongs inside functions.
"""

import ast
import importlib
from pathlib import Path

from django.utils import translation

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("chonaikai", "api", "maps", "wards")
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def _eager_names(tree: ast.Module) -> set[str]:
    """The names this module binds to Django's eager gettext functions (`gettext as _`, …)."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            names |= {alias.asname or alias.name for alias in node.names if alias.name in EAGER}
    return names


def _import_time_calls(node, names: set[str]):
    """Calls of `names` that run when the module is imported: not inside a function or lambda."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        # Decorators and default values run at import; the body does not.
        for expr in [*getattr(node, "decorator_list", []), *node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                yield from _import_time_calls(expr, names)
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
        yield node
    for child in ast.iter_child_nodes(node):
        yield from _import_time_calls(child, names)


def test_no_module_translates_text_when_it_is_imported():
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            # A command's module is imported when the command runs, in the language it runs in (and
            # argparse takes no lazy text for its help).
            if "migrations" in path.parts or "commands" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = _eager_names(tree)
            if names:
                found += [
                    f"{path.relative_to(REPO)}:{call.lineno}" for call in _import_time_calls(tree, names)
                ]
    assert not found, "gettext at import time (use gettext_lazy):\n" + "\n".join(found)


def test_the_start_page_asks_in_the_language_of_the_request_whoever_imported_it_first():
    from chonaikai.start import page
    from chonaikai.subsidies.workflow import Status

    try:
        with translation.override("en"):
            importlib.reload(page)  # as if the first visitor of the process had chosen English
        with translation.override("ja"):
            assert str(page._ASKED[Status.APPROVED][0]) == "実績報告をする"
        with translation.override("en"):
            assert str(page._ASKED[Status.APPROVED][0]) == "Submit the completion report"
    finally:
        importlib.reload(page)
