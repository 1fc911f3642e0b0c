"""The apps' layers (README, Architecture): the import contracts in pyproject.toml hold, and would fail.

`lint-imports` (import-linter, on grimp's import graph) reads every import statement, imports inside
functions included. The second test copies the source, adds one import that recreates a cycle the
layers removed, and expects the same contracts to name it: if the checker stopped checking (a wrong
root package, a contract that no longer matches a module), that test fails.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

ROOT_PACKAGES = ("chonaikai", "wards", "api", "maps")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    executable = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(executable), "--config", str(cwd / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_contracts_hold():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory) -> Path:
    """The Python source of the root packages and pyproject.toml, in a scratch folder."""
    root = tmp_path_factory.mktemp("source")
    for package in ROOT_PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            target = root / path.relative_to(REPO)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    shutil.copyfile(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


# The cycles issue 17 listed, each as the one import that would bring it back.
CYCLES = {
    "the role core reads the subsidies": ("chonaikai/accounts/policy.py", "chonaikai.subsidies.models"),
    "the role model imports the associations": (
        "chonaikai/accounts/models.py",
        "chonaikai.associations.models",
    ),
    "the geography reads the associations": ("wards/models.py", "chonaikai.associations.models"),
    "an app imports the demo data": (
        "chonaikai/associations/models/associations.py",
        "chonaikai.demo.subsidies",
    ),
    "the audit trail names people through the accounts": (
        "chonaikai/audit/services.py",
        "chonaikai.accounts.names",
    ),
    "the city profile reads the geography": ("chonaikai/cities/texts.py", "wards.models"),
    "a domain imports the API": ("chonaikai/subsidies/workflow.py", "api"),
}


@pytest.mark.parametrize("case", CYCLES)
def test_the_contracts_fail_on_an_import_against_the_layers(source_copy, case):
    module_path, imported = CYCLES[case]
    module = source_copy / module_path
    original = module.read_text(encoding="utf-8")
    importer = module_path.removesuffix(".py").replace("/", ".")
    try:
        # Inside a function, where an import hidden from the module's top would go: it still counts.
        module.write_text(original + f"\n\ndef _layers_probe():\n    import {imported}\n", encoding="utf-8")
        result = lint_imports(source_copy)
    finally:
        module.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert f"{importer} -> {imported}" in result.stdout, result.stdout
