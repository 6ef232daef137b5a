"""Dependencies point one way (README, "Layout"): articles imports none of the apps built on it;
comments, newsletter and alerts import articles but not each other; nothing imports wordpress."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# app: the project apps its code (tests aside) may import.
ALLOWED = {
    "articles": {"kawalis"},
    "comments": {"kawalis", "articles"},
    "newsletter": {"kawalis", "articles"},
    "alerts": {"kawalis", "articles"},
    "wordpress": {"kawalis", "articles", "comments", "newsletter"},
}
PROJECT_APPS = set(ALLOWED) | {"kawalis"}


def imported_apps(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in PROJECT_APPS:
                yield top, node.lineno


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_apps_below_it(app):
    files = [path for path in (ROOT / app).rglob("*.py") if "tests" not in path.relative_to(ROOT).parts]
    assert files, f"no code found for {app}"
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {top}"
        for path in files
        for top, line in imported_apps(path)
        if top != app and top not in ALLOWED[app]
    ]
    assert wrong == []


def test_the_check_sees_a_wrong_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from newsletter.models import Subscriber\nimport comments.forms\nfrom . import x\n")
    assert sorted(imported_apps(sample)) == [("comments", 2), ("newsletter", 1)]
