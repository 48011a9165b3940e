"""requirements.lock: every dependency of pyproject.toml pinned, hashed and satisfied."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
REGENERATE = (
    "uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 "
    "--output-file requirements.lock"
)
# The image's Python: markers in pyproject are judged for it.
IMAGE_PYTHON = {"python_version": "3.11", "python_full_version": "3.11.0", "extra": ""}


def locked() -> dict[str, tuple[Version, list[str], str]]:
    """name -> (version, hashes, marker text) for every entry of the lock."""
    text = re.sub(r"\\\n", " ", LOCK.read_text())
    entries: dict[str, tuple[Version, list[str], str]] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, _, options = line.partition(" --hash=")
        spec, _, marker = requirement.partition(";")
        name, sep, version = spec.strip().partition("==")
        assert sep, f"not pinned with ==: {line}"
        hashes = re.findall(r"sha256:[0-9a-f]{64}", "--hash=" + options)
        entries[canonicalize_name(name)] = (Version(version.strip()), hashes, marker.strip())
    return entries


def project_requirements() -> list[Requirement]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    return [Requirement(r) for r in project["dependencies"]]


def test_the_lock_says_how_to_regenerate_it_and_the_readme_agrees() -> None:
    head = LOCK.read_text().splitlines()[:3]
    assert any(REGENERATE in line for line in head), f"the lock's header is not {REGENERATE!r}"
    assert REGENERATE in (ROOT / "README.md").read_text()


def test_every_entry_is_pinned_and_hashed() -> None:
    entries = locked()
    assert entries
    for name, (_, hashes, _) in entries.items():
        assert hashes, f"{name} has no --hash: pip --require-hashes would refuse the lock"


def test_the_lock_satisfies_every_requirement_of_pyproject() -> None:
    entries = locked()
    problems = []
    for requirement in project_requirements():
        if requirement.marker is not None and not requirement.marker.evaluate(IMAGE_PYTHON):
            continue
        name = canonicalize_name(requirement.name)
        if name not in entries:
            problems.append(f"{requirement} is not in the lock")
        elif entries[name][0] not in requirement.specifier:
            problems.append(f"{requirement}: the lock pins {entries[name][0]}")
    assert not problems, (
        "requirements.lock is out of date with pyproject.toml; regenerate it with\n"
        f"    {REGENERATE}\n" + "\n".join(problems)
    )


def test_the_lock_holds_what_its_packages_need() -> None:
    """For each locked package installed here at the locked version, its own requirements are
    locked too (a hand-edited lock would miss them; pip --require-hashes would then fail)."""
    entries = locked()
    checked = 0
    missing = []
    for name, (version, _, _) in entries.items():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if Version(dist.version) != version:
            continue
        checked += 1
        for text in dist.requires or []:
            needed = Requirement(text)
            if needed.marker is not None and not needed.marker.evaluate(IMAGE_PYTHON):
                continue
            if canonicalize_name(needed.name) not in entries:
                missing.append(f"{name} needs {needed}")
    if not checked:
        pytest.skip("no locked package is installed here at its locked version")
    assert not missing, "\n".join(missing)
