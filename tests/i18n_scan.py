"""Find Japanese text in the project's Python code that does not go through Django's i18n.

Every string a user can see (pages, API messages, emails, files we produce, command output) is
marked for translation, so that the English catalogue can cover it. A Japanese literal is fine
where it is:

- inside a gettext call (``_``, ``gettext``, ``gettext_lazy``, ``ngettext``, ``pgettext``, ...);
- a docstring;
- data rather than text: a fixed column header of the import format, an official name, an era
  name, sample data. Such a line carries the comment ``# i18n: data`` (on the line, or on the line
  that opens the statement), or its module is listed in EXEMPT_MODULES below with the reason.

Run ``python tests/i18n_scan.py [paths...]`` to list the lines that need attention.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
GETTEXT_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "gettext_noop",
    "_lazy",
    "format_lazy",
}
MARKER = "# i18n: data"
SCANNED = ["api", "chonaikai", "maps", "wards"]
# Modules whose Japanese literals are data, never interface text.
EXEMPT_MODULES = {
    "chonaikai/demo/associations/generation.py": "labelled sample data (names ending in 合成)",
    "chonaikai/demo/associations/storage.py": "labelled sample data (names ending in 合成)",
    "chonaikai/demo/dataset.py": "labelled sample data: its parameters and their messages to the operator",
    "chonaikai/demo/names.py": "labelled sample data: the invented vocabulary",
    "chonaikai/demo/subsidies.py": "labelled sample data",
    "chonaikai/demo/management/commands/seed_demo.py": "sample data",
}


def _is_docstring(node: ast.AST, parents: dict) -> bool:
    parent = parents.get(node)
    if not isinstance(parent, ast.Expr):
        return False
    holder = parents.get(parent)
    return isinstance(holder, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _inside_gettext(node: ast.AST, parents: dict) -> bool:
    current = node
    while current in parents:
        current = parents[current]
        if isinstance(current, ast.Call) and _call_name(current) in GETTEXT_NAMES:
            return True
        if isinstance(current, ast.stmt):
            return False
    return False


def _statement(node: ast.AST, parents: dict) -> ast.AST:
    current = node
    while current in parents and not isinstance(current, ast.stmt):
        current = parents[current]
    return current


def scan_file(path: Path) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if not JAPANESE.search(node.value):
            continue
        if _is_docstring(node, parents) or _inside_gettext(node, parents):
            continue
        stmt = _statement(node, parents)
        marked_lines = {
            node.lineno,
            getattr(node, "end_lineno", node.lineno),
            getattr(stmt, "lineno", node.lineno),
        }
        if any(MARKER in lines[n - 1] for n in marked_lines if 0 < n <= len(lines)):
            continue
        found.append((node.lineno, node.value))
    return found


def scan(paths: list[Path] | None = None) -> dict[str, list[tuple[int, str]]]:
    roots = paths or [ROOT / p for p in SCANNED]
    result = {}
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            rel = path.resolve().relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in EXEMPT_MODULES:
                continue
            hits = scan_file(path)
            if hits:
                result[rel] = hits
    return result


# --- Templates ------------------------------------------------------------------------------------

_TEMPLATE_SKIP = re.compile(
    r"\{%\s*(?:blocktranslate|blocktrans)\b.*?\{%\s*(?:endblocktranslate|endblocktrans)\s*%\}"
    r"|\{%\s*(?:translate|trans)\s.*?%\}"
    r"|\{#.*?#\}"
    r"|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}",
    re.DOTALL,
)


def scan_template(path: Path) -> list[tuple[int, str]]:
    """Japanese text in a template outside translate/blocktranslate tags and comments."""
    source = path.read_text(encoding="utf-8")
    # Blank out the skipped spans but keep the newlines, so line numbers stay right.
    cleaned = _TEMPLATE_SKIP.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    found = []
    for number, line in enumerate(cleaned.splitlines(), start=1):
        if JAPANESE.search(line) and MARKER not in source.splitlines()[number - 1]:
            found.append((number, line.strip()))
    return found


def scan_templates() -> dict[str, list[tuple[int, str]]]:
    result = {}
    for root in SCANNED:
        for path in sorted((ROOT / root).rglob("templates/**/*")):
            if path.suffix not in {".html", ".txt", ".xml", ".js"} or not path.is_file():
                continue
            hits = scan_template(path)
            if hits:
                result[path.relative_to(ROOT).as_posix()] = hits
    return result


def _main() -> None:
    args = [Path(p).resolve() for p in sys.argv[1:]]
    found = (
        scan([p for p in args if p.suffix == ".py" or p.is_dir()] or None)
        if not args or any(p.suffix == ".py" or p.is_dir() for p in args)
        else {}
    )
    found.update(scan_templates() if not args else {})
    total = 0
    for rel, hits in found.items():
        for line, text in hits:
            total += 1
            print(f"{rel}:{line}: {text[:70]!r}")
    print(f"{total} literals in {len(found)} files", file=sys.stderr)


if __name__ == "__main__":
    _main()
