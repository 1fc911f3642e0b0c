"""Every Japanese string a user can see goes through Django's i18n, and the catalogue holds it.

tests/test_translations.py checks that the English catalogue is complete and well-formed; these
tests check the other side: that nothing visible bypasses the catalogue.

- no Japanese literal in the project's Python code outside a gettext call, a docstring or a line
  marked ``# i18n: data`` (fixed data such as the import format's column headers);
- no Japanese text in a template outside ``{% translate %}`` / ``{% blocktranslate %}``;
- the committed catalogue holds every marked string: ``makemessages`` run on a copy of the tree
  adds no msgid that the committed .po lacks (a string marked but never translated would show in
  Japanese to English users).
"""

import os
import shutil
import subprocess
import sys

import pytest

from tests import i18n_scan
from tests.test_translations import PO_FILE, parse_po

ROOT = i18n_scan.ROOT


def _listing(found: dict) -> str:
    return "\n".join(f"{rel}:{line}: {text[:60]!r}" for rel, hits in found.items() for line, text in hits)


def test_python_code_shows_no_japanese_text_outside_gettext():
    found = i18n_scan.scan()
    assert not found, "Mark these for translation (or `# i18n: data` if they are data):\n" + _listing(found)


def test_templates_show_no_japanese_text_outside_translate_tags():
    found = i18n_scan.scan_templates()
    assert not found, "Put this template text inside {% translate %} / {% blocktranslate %}:\n" + _listing(
        found
    )


def test_scanner_finds_an_unmarked_literal_and_accepts_marked_ones(tmp_path):
    module = tmp_path / "sample_module.py"
    module.write_text(
        '"""モジュールの説明。"""\n'
        "from django.utils.translation import gettext as _\n"
        'A = _("保存しました。")\n'
        'B = "保存しました。"\n'
        'C = "町内会コード"  # i18n: data\n',
        encoding="utf-8",
    )
    assert i18n_scan.scan_file(module) == [(4, "保存しました。")]
    template = tmp_path / "page.html"
    template.write_text(
        '{% load i18n %}<h1>{% translate "保存" %}</h1>\n'
        "{% blocktranslate trimmed %}\n  世帯数\n{% endblocktranslate %}\n"
        "<p>未翻訳</p>\n",
        encoding="utf-8",
    )
    assert [line for line, _ in i18n_scan.scan_template(template)] == [5]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_committed_catalogue_holds_every_marked_string(tmp_path):
    copy = tmp_path / "tree"
    ignore = shutil.ignore_patterns(
        ".venv", "tests", "__pycache__", "*.mo", "node_modules", "staticfiles", "artifacts"
    )
    copy.mkdir()
    for name in ("manage.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, copy / name)
    for name in ("api", "chonaikai", "maps", "wards", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "chonaikai.settings"},
    )
    _, fresh = parse_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    _, committed = parse_po(PO_FILE)
    committed_keys = {entry.key for entry in committed}
    missing = sorted(entry.key for entry in fresh if entry.key not in committed_keys and entry.msgid)
    assert not missing, "Run `make messages` and translate these:\n" + "\n".join(map(repr, missing))
