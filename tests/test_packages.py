"""The distribution holds three packages: the bot and two siblings that stand alone, the Slack
emulator (`slackemu`) and the VPS.org simulator (`vpssim`). Neither imports the bot, nor the
other; the wheel ships every package the bot imports."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIBLINGS = ("slackemu", "vpssim")
OURS = {"bot", "tests", "bench", *SIBLINGS}
"""The top-level names of this repository's own code."""


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in it (functions and TYPE_CHECKING blocks too),
    and every module named to `importlib.import_module` / `__import__` as a literal."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the package the file is in
                package = path.relative_to(ROOT).parent.parts
                base = package[: len(package) - node.level + 1]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module:
                found.add(node.module)
        elif isinstance(node, ast.Call) and node.args:
            name = ast.unparse(node.func)
            first = node.args[0]
            if name.endswith(("import_module", "__import__")) and isinstance(first, ast.Constant):
                found.add(str(first.value))
    return found


def top_level(module: str) -> str:
    return module.partition(".")[0]


@pytest.mark.parametrize("package", SIBLINGS)
def test_a_sibling_imports_nothing_of_ours_but_itself(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ holds no modules"
    leaks = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in files
        for module in sorted(imported_modules(path))
        if top_level(module) in OURS - {package}
    ]
    assert not leaks, f"{package} must stand alone; it imports:\n" + "\n".join(leaks)


@pytest.mark.parametrize("package", SIBLINGS)
def test_importing_a_sibling_loads_no_bot_module(package: str) -> None:
    """The same, as Python sees it: everything the sibling's modules pull in, transitively."""
    probe = (
        "import pkgutil, importlib, sys\n"
        f"import {package}\n"
        f"for m in pkgutil.walk_packages({package}.__path__, '{package}.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.partition('.')[0] in {'bot', 'tests'}))\n"
    )
    result = subprocess.run(  # noqa: S603 - a fixed argv of our own
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", f"importing {package} loaded: {result.stdout}"


def test_the_wheel_ships_every_package_of_ours_the_bot_imports() -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        shipped = set(tomllib.load(f)["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])
    needed = {
        top_level(module)
        for path in (ROOT / "bot").rglob("*.py")
        for module in imported_modules(path)
        if top_level(module) in OURS
    }
    assert needed <= shipped, f"the bot imports {sorted(needed - shipped)}, which the wheel lacks"
    assert not needed & {"tests", "bench"}, "the bot imports test or benchmark code"
