"""The tree stays lint-clean, every model change has its migration, and what ships needs no test tooling."""

import ast
import importlib.metadata
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)


def _ruff():
    candidate = Path(sys.executable).with_name("ruff")
    return str(candidate) if candidate.exists() else shutil.which("ruff")


@pytest.mark.skipif(_ruff() is None, reason="ruff is not installed (requirements-dev.txt installs it)")
@pytest.mark.parametrize("arguments", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"])
def test_ruff_is_clean(arguments):
    result = subprocess.run([_ruff(), *arguments], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"missing migration:\n{out.getvalue()} ({exit_})")


# --- What ships imports no test tooling ---------------------------------------------------
# Production installs requirements.txt only: a module of the product that imported a package of
# requirements-dev.txt (the test SMTP sink's aiosmtpd, pytest, ...) or a test module would fail
# there, and only there.


def _product_files():
    """The Python files that ship: the packages at the root and the root's own modules (manage.py,
    gunicorn.conf.py), without their tests. bench/, scripts/ and conftest.py are tooling."""
    files = [path for path in ROOT.glob("*.py") if path.name != "conftest.py"]
    for package in sorted(path.parent for path in ROOT.glob("*/__init__.py")):
        files += [path for path in package.rglob("*.py") if "tests" not in path.relative_to(ROOT).parts]
    return files


def _imported_modules(path):
    """Every module ``path`` imports, anywhere in it (also inside functions), as absolute names."""
    package = list(path.relative_to(ROOT).parts[:-1])  # where its relative imports start
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            modules.add(module)
            # "from kawalis import tests" imports kawalis.tests.
            modules.update(f"{module}.{alias.name}" for alias in node.names)
    return modules


def _requirement_names(filename):
    names = set()
    for line in (ROOT / filename).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(_normalised(re.split(r"[\s=<>!~\[;]", line, maxsplit=1)[0]))
    return names


def _normalised(distribution):
    return re.sub(r"[-_.]+", "-", distribution).lower()  # PEP 503


def _test_tooling_imported(path):
    """The imports of ``path`` that production would not have: test modules, dev-only packages."""
    dev_only = _requirement_names("requirements-dev.txt") - _requirement_names("requirements.txt")
    distributions = importlib.metadata.packages_distributions()

    def is_test_tooling(module):
        names = module.split(".")
        from_dev_only = dev_only & {_normalised(name) for name in distributions.get(names[0], [])}
        return "tests" in names or names[0] == "conftest" or bool(from_dev_only)

    return {module for module in _imported_modules(path) if is_test_tooling(module)}


def test_nothing_that_ships_imports_test_tooling():
    files = _product_files()
    assert ROOT / "newsletter" / "smtp.py" in files and ROOT / "manage.py" in files
    offenders = {
        str(path.relative_to(ROOT)): sorted(found)
        for path in files
        if (found := _test_tooling_imported(path))
    }
    assert offenders == {}


def test_the_import_check_sees_test_tooling_where_it_is():
    # The sink and a test module both import what production lacks: the check must say so.
    assert "aiosmtpd.controller" in _test_tooling_imported(ROOT / "kawalis" / "tests" / "smtp_sink.py")
    assert "kawalis.tests.browser" in _test_tooling_imported(
        ROOT / "newsletter" / "tests" / "test_browser.py"
    )
