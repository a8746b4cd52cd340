"""The deploy files: deploy/Dockerfile, deploy/fly.toml, deploy/start.sh and .dockerignore.

No Docker engine runs here, so the Dockerfile and fly.toml are linted against the repository and
the app, and the container's start command (deploy/start.sh) is run on the host with this
checkout's environment on PATH.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import httpx
import pytest

from promptgen import PromptGen
from promptgen.server.routes import ops
from promptgen.settings import Settings
from promptgen_bench.server import free_port, wait_healthy
from tests.conftest import REPO

DEPLOY = REPO / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
FLY_TOML = DEPLOY / "fly.toml"
START_SH = DEPLOY / "start.sh"
DOCKERIGNORE = REPO / ".dockerignore"
BIN = Path(sys.executable).parent  # the environment running the tests: the repo's .venv
PORT = 8000
# Variables deploy/start.sh reads itself; every other PROMPTGEN_* must be a Settings field.
START_SH_VARIABLES = {"PROMPTGEN_SEED_DIR", "PROMPTGEN_INSECURE"}


# ---------------------------------------------------------------- a small Dockerfile reader


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int

    def flags(self) -> tuple[dict[str, str], list[str]]:
        """Leading ``--name=value`` flags and the remaining words (JSON form decoded)."""
        words = self.words()
        flags: dict[str, str] = {}
        while words and words[0].startswith("--"):
            name, _, value = words.pop(0)[2:].partition("=")
            flags[name] = value
        return flags, words

    def words(self) -> list[str]:
        text = self.args.strip()
        if text.startswith("["):
            return [str(w) for w in json.loads(text)]
        return shlex.split(text)


@dataclass
class Stage:
    image: str
    name: str
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for word in shlex.split(instruction.args):
                name, sep, value = word.partition("=")
                assert sep, f"line {instruction.line}: use ENV NAME=value, not {word!r}"
                values[name] = value
        return values

    def workdir(self) -> str:
        workdirs = self.all("WORKDIR")
        return workdirs[-1].args.strip() if workdirs else "/"


def read_dockerfile(path: Path) -> list[Stage]:
    """Stages of a Dockerfile: continuation lines joined, comments dropped."""
    stages: list[Stage] = []
    logical: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        logical.append((start, " ".join(p for p in pending if p)))
        pending = []
    assert not pending, "the Dockerfile ends inside a continued line"
    for number, text in logical:
        keyword, _, args = text.partition(" ")
        instruction = Instruction(keyword.upper(), args.strip(), number)
        if instruction.keyword == "FROM":
            match = re.fullmatch(r"(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", args.strip(), re.I)
            assert match, f"line {number}: cannot read FROM {args!r}"
            stages.append(Stage(match.group(1), match.group(2) or str(len(stages))))
        else:
            assert stages, f"line {number}: {instruction.keyword} before FROM"
            stages[-1].instructions.append(instruction)
    return stages


GLOB = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}


def glob_regex(pattern: str) -> str:
    """A .dockerignore pattern as a regular expression over slash-separated paths."""
    tokens = re.split(r"(\*\*/|\*\*|\*|\?|\[[^\]]*\])", pattern)
    return "".join(GLOB.get(t, t if t.startswith("[") else re.escape(t)) for t in tokens)


def dockerignored(path: str) -> bool:
    """Whether .dockerignore keeps ``path`` (relative to the repo root) out of the build context."""
    patterns = []
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert not line.startswith("!"), "negated .dockerignore patterns are not handled here"
            patterns.append(line.strip("/"))
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    regexes = [glob_regex(pattern) for pattern in patterns]
    return any(re.fullmatch(r, candidate) for r in regexes for candidate in candidates)


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return read_dockerfile(DOCKERFILE)


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


@pytest.fixture(scope="module")
def fly() -> dict[str, object]:
    with FLY_TOML.open("rb") as handle:
        return tomllib.load(handle)


def run_commands(stage: Stage) -> str:
    return "\n".join(i.args for i in stage.all("RUN"))


# ---------------------------------------------------------------- the Dockerfile


def test_stages_node_builder_runtime(stages: list[Stage]) -> None:
    names = [s.name for s in stages]
    assert len(names) == len(set(names)), names
    web = next(s for s in stages if s.image.startswith("node:20"))
    assert "npm ci" in run_commands(web) and "npm run build" in run_commands(web)
    builder = next(s for s in stages[:-1] if s.image == "python:3.11-slim")
    assert re.search(r"pip wheel .*--constraint requirements\.lock", run_commands(builder))
    assert stages[-1].image == "python:3.11-slim"
    assert re.search(r"pip install .*--constraint \S*requirements\.lock", run_commands(stages[-1]))


def test_copy_from_and_mounts_name_earlier_stages(stages: list[Stage]) -> None:
    for index, stage in enumerate(stages):
        earlier = {s.name for s in stages[:index]}
        for instruction in stage.all("COPY") + stage.all("ADD"):
            flags, _ = instruction.flags()
            if "from" in flags:
                assert flags["from"] in earlier, f"line {instruction.line}: {flags['from']!r}"
        for instruction in stage.all("RUN"):
            for mount in re.findall(r"--mount=(\S+)", instruction.args):
                options = dict(part.partition("=")[::2] for part in mount.split(","))
                if "from" in options:
                    assert options["from"] in earlier, f"line {instruction.line}: {mount}"


def test_copy_sources_exist_in_the_build_context(stages: list[Stage]) -> None:
    sources = []
    for stage in stages:
        for instruction in stage.all("COPY") + stage.all("ADD"):
            flags, words = instruction.flags()
            if "from" not in flags:
                sources += words[:-1]
    normalized = {PurePosixPath(s).as_posix() for s in sources}
    for needed in ("requirements.lock", "pyproject.toml", "README.md", "src", "docs"):
        assert needed in normalized, f"the image does not COPY {needed}"
    assert any(s.startswith("web") for s in normalized) and "deploy/start.sh" in normalized
    for source in normalized:
        assert not source.startswith(("/", "..")), f"{source} is outside the build context"
        assert (REPO / source).exists(), f"COPY source {source} is not in the repository"
        assert not dockerignored(source), f"COPY source {source} is excluded by .dockerignore"


def test_web_dist_comes_from_the_node_stage(stages: list[Stage], final: Stage) -> None:
    copies = [i.flags() for i in final.all("COPY")]
    web_copies = [(f["from"], w) for f, w in copies if f.get("from") in {s.name for s in stages}]
    web = next(s for s in stages if s.image.startswith("node:20"))
    dist = f"{web.workdir().rstrip('/')}/dist"
    targets = [words[-1] for name, words in web_copies if name == web.name and words[0] == dist]
    assert targets, f"the runtime stage does not copy {dist} from the {web.name} stage"
    assert 'outDir: "dist"' in (REPO / "web" / "vite.config.ts").read_text(encoding="utf-8")
    # The installed package cannot find web/dist next to its sources: PROMPTGEN_WEB_DIR says where.
    assert final.env()["PROMPTGEN_WEB_DIR"].rstrip("/") == targets[0].rstrip("/")
    docs = [w[-1] for f, w in copies if "from" not in f and w[0].rstrip("/") == "docs"]
    assert docs and final.env()["PROMPTGEN_SEED_DIR"].rstrip("/") == docs[0].rstrip("/")


def test_final_stage_runs_as_a_non_root_user(final: Stage) -> None:
    users = final.all("USER")
    assert users, "the runtime stage has no USER"
    user, _, group = users[-1].args.strip().partition(":")
    assert user not in {"root", "0"} and group not in {"root", "0"}
    useradd = re.search(r"useradd .*--uid (\d+)", run_commands(final))
    assert useradd and user in {useradd.group(1), "promptgen"}


def test_runtime_environment_and_settings(final: Stage, monkeypatch: pytest.MonkeyPatch) -> None:
    env = final.env()
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PROMPTGEN_LOG_FORMAT"] == "json"
    assert env["PROMPTGEN_DATABASE_URL"].startswith("sqlite:////data/")
    assert env["PROMPTGEN_UPLOAD_DIR"].startswith("/data/")
    assert int(env["PORT"]) == PORT
    volumes = " ".join(i.args for i in final.all("VOLUME"))
    assert "/data" in volumes
    known = {f"PROMPTGEN_{name.upper()}" for name in Settings.model_fields} | START_SH_VARIABLES
    for name, value in env.items():
        if name.startswith("PROMPTGEN_"):
            assert name in known, f"{name} is not a PromptGen setting"
            if name not in START_SH_VARIABLES:
                monkeypatch.setenv(name, value)
    settings = Settings()  # the image's settings validate
    assert settings.sqlite_path == Path(env["PROMPTGEN_DATABASE_URL"].removeprefix("sqlite:///"))


def test_healthcheck_port_and_start_command(final: Stage) -> None:
    exposed = [w for i in final.all("EXPOSE") for w in i.args.split()]
    assert exposed == [str(PORT)]
    (healthcheck,) = final.all("HEALTHCHECK")
    program, flag, code = json.loads(healthcheck.args.partition("CMD")[2])  # exec form
    assert (program, flag) == ("python", "-c") and "urllib" in code
    assert "/health'" in code and "/health/deep" not in code
    compile(code, "HEALTHCHECK", "exec")
    (cmd,) = final.all("CMD")
    (command,) = Instruction("CMD", cmd.args, cmd.line).words()
    copies = [i.flags()[1] for i in final.all("COPY")]
    assert ["deploy/start.sh", command] in copies, f"CMD {command} is not deploy/start.sh"


def test_the_wheel_the_image_installs_ships_every_package_file() -> None:
    """The image runs an installed wheel, not this checkout: what the wheel leaves out is missing."""
    with (REPO / "pyproject.toml").open("rb") as handle:
        setuptools = tomllib.load(handle)["tool"]["setuptools"]
    regexes = [glob_regex(p) for p in setuptools["package-data"]["promptgen"]]
    package = REPO / "src" / "promptgen"
    for path in package.rglob("*"):
        if "__pycache__" in path.parts:
            continue
        if path.is_dir() and any(path.glob("*.py")):
            assert (path / "__init__.py").is_file(), f"{path} is not a package: not in the wheel"
        elif path.is_file() and path.suffix not in {".py", ".pyc"}:
            relative = path.relative_to(package).as_posix()
            assert any(re.fullmatch(r, relative) for r in regexes), (
                f"{relative} is not in [tool.setuptools.package-data]: the image would lack it"
            )


# ---------------------------------------------------------------- .dockerignore and fly.toml


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    for path in (
        ".venv",
        ".git",
        "web/node_modules",
        "web/dist",
        ".promptgen",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        "src/promptgen/__pycache__",
        "src/promptgen.egg-info",
    ):
        assert dockerignored(path), f".dockerignore does not exclude {path}"
    for path in ("src/promptgen/engine.py", "web/src/App.tsx", "docs/operations.md"):
        assert not dockerignored(path), f".dockerignore excludes {path}"


def test_fly_toml(fly: dict[str, object], final: Stage) -> None:
    build = fly["build"]
    assert isinstance(build, dict)
    assert (FLY_TOML.parent / build["dockerfile"]).resolve() == DOCKERFILE.resolve()
    service = fly["http_service"]
    assert isinstance(service, dict)
    assert service["internal_port"] == PORT
    assert service["min_machines_running"] >= 2
    paths = {check["path"] for check in service["checks"]}
    assert {"/health", "/health/deep"} <= paths
    assert fly["metrics"] == {"port": PORT, "path": "/metrics"}
    routes = {getattr(route, "path", None) for route in ops.routes}
    assert paths | {"/metrics"} <= routes, "fly.toml names a path the app does not serve"
    mounts = fly["mounts"]
    assert isinstance(mounts, dict) and mounts["destination"] == "/data"
    env = fly["env"]
    assert isinstance(env, dict)
    assert env["PROMPTGEN_DATABASE_URL"].startswith("sqlite:////data/")
    assert int(env["PORT"]) == PORT
    known = {f"PROMPTGEN_{name.upper()}" for name in Settings.model_fields} | START_SH_VARIABLES
    assert {n for n in env if n.startswith("PROMPTGEN_")} <= known
    assert "PROMPTGEN_API_KEYS" not in env, "API keys are a secret, not [env]"
    image_env = final.env()
    for name, value in env.items():
        if name in image_env:
            assert value == image_env[name], f"fly.toml and the Dockerfile disagree on {name}"


# ---------------------------------------------------------------- deploy/start.sh


def test_start_sh_is_an_executable_bash_script() -> None:
    assert os.access(START_SH, os.X_OK), "deploy/start.sh is not executable"
    assert START_SH.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
    subprocess.run(["bash", "-n", str(START_SH)], check=True)
    assert re.search(
        r'exec promptgen serve --host 0\.0\.0\.0 --port "\$PORT" --workers "\$WORKERS"',
        START_SH.read_text(encoding="utf-8"),
    )


def start_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The host's environment minus any PromptGen settings, with this checkout's bin on PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PROMPTGEN_", "FEATURE_")) and k not in {"PORT", "WORKERS"}
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PROMPTGEN_DATABASE_URL"] = f"sqlite:///{tmp_path}/data/lib.db"
    env["WORKERS"] = "1"
    env.update(overrides)
    return env


@dataclass(frozen=True)
class Started:
    url: str
    log: Path


@contextmanager
def start(tmp_path: Path, **overrides: str) -> Iterator[Started]:
    """Run deploy/start.sh on a free port until the block ends."""
    port = free_port()
    env = start_env(tmp_path, PORT=str(port), **overrides)
    log = tmp_path / f"start-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(START_SH)], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log, timeout=30)
        yield Started(url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise


def test_start_sh_seeds_the_demo_library_and_serves_it(tmp_path: Path) -> None:
    key = "test-key"
    with start(tmp_path, PROMPTGEN_API_KEYS=key, PROMPTGEN_SEED_DIR=str(REPO / "docs")) as app:
        deep = httpx.get(f"{app.url}/health/deep", timeout=10)
        assert deep.status_code == 200, deep.text
        assert deep.json()["status"] == "healthy" and all(deep.json()["checks"].values())
        draft = {"text": "library integration context"}
        response = httpx.post(
            f"{app.url}/api/precompute",
            json=draft,
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["grounded"] is True and result["context"]
        assert httpx.post(f"{app.url}/api/precompute", json=draft).status_code == 401
    log = app.log.read_text()
    assert "the Library is empty: ingesting" in log
    assert "serving on 0.0.0.0:" in log
    assert (tmp_path / "data" / "lib.db").is_file()


@pytest.mark.parametrize("insecure", [None, "0", "true"])
def test_start_sh_refuses_to_start_without_keys(tmp_path: Path, insecure: str | None) -> None:
    overrides = {"PORT": str(free_port())}
    if insecure is not None:
        overrides["PROMPTGEN_INSECURE"] = insecure
    done = subprocess.run(
        [str(START_SH)],
        env=start_env(tmp_path, **overrides),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert "refusing to start without API keys" in done.stderr
    assert "PROMPTGEN_API_KEYS" in done.stderr and "PROMPTGEN_INSECURE=1" in done.stderr


def test_start_sh_serves_without_keys_only_when_told_insecure(
    tmp_path: Path, engine: PromptGen, notes: Path
) -> None:
    # A Library that already holds documents is left alone: the seed folder is not ingested.
    report = engine.ingest([notes / "deploy.md"])
    assert not report.failed
    with start(
        tmp_path,
        PROMPTGEN_INSECURE="1",
        PROMPTGEN_SEED_DIR=str(REPO / "docs"),
        PROMPTGEN_DATABASE_URL=engine.settings.database_url,
    ) as app:
        response = httpx.post(f"{app.url}/api/precompute", json={"text": "billing rollback"})
        assert response.status_code == 200, response.text
        sources = {c["source"] for c in response.json()["context"]}
        assert sources and all(s.endswith("deploy.md") for s in sources), sources
    log = app.log.read_text()
    assert "PROMPTGEN_INSECURE=1: serving /api/* without authentication" in log
    assert "the Library is not empty (1 documents): not seeding" in log


def test_start_sh_names_an_unwritable_library_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    done = subprocess.run(
        [str(START_SH)],
        env=start_env(
            tmp_path,
            PROMPTGEN_API_KEYS="k",
            PROMPTGEN_DATABASE_URL=f"sqlite:///{blocker}/lib.db",
            PORT=str(free_port()),
        ),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert f"the Library's folder {blocker} " in done.stderr and "not writable" in done.stderr
