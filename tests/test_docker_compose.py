"""The production description holds together: docker-compose.yml and the Dockerfile.

The compose checks read the file as docker-compose itself resolves it
(`docker-compose config`, no Docker daemon needed) and are skipped when
docker-compose is not installed; CI requires it (tests/conftest.py).
"""

import importlib.util
import json
import os
import shlex
import shutil
import subprocess
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SERVICES = {"db", "redis", "migrate", "web", "worker", "beat"}
APP_SERVICES = {"migrate", "web", "worker", "beat"}
TEST_SECRETS = {
    "SECRET_KEY": "test-only-secret-key-for-compose-config-0123456789-0123456789",
    "POSTGRES_PASSWORD": "testpassword",
    "PASS_SIGNING_KEY": "1:ULEo-EpQG4GeP0XW8wKL69XEySZINdYiyUHLkgvbcTg",
    "PASS_DEPLOYMENT_ID": "4242",
}


def compose_config(tmp_path: Path, variables: dict[str, str]) -> subprocess.CompletedProcess:
    """Run `docker-compose config` with only these variables: no .env, no shell leftovers."""
    if not shutil.which("docker-compose"):
        pytest.skip("docker-compose is not on PATH (apt-get install docker-compose)")
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **variables}
    return subprocess.run(
        [
            "docker-compose",
            "--env-file",
            str(empty_env_file),
            "--project-directory",
            str(ROOT),
            "-f",
            str(COMPOSE_FILE),
            "config",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def config(tmp_path) -> dict:
    result = compose_config(tmp_path, TEST_SECRETS)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def words(command) -> list[str]:
    """A command or healthcheck test as a list, whichever form compose printed."""
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else [str(w) for w in command]


def option(command: list[str], name: str) -> str:
    assert name in command, f"{name} missing from {command}"
    return command[command.index(name) + 1]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def volume_sources(service: dict) -> list[str]:
    sources = []
    for volume in service.get("volumes") or []:
        sources.append(volume["source"] if isinstance(volume, dict) else volume.split(":", 1)[0])
    return sources


def condition(service: dict, dependency: str) -> str:
    depends_on = service.get("depends_on") or {}
    assert dependency in depends_on, f"does not depend on {dependency}"
    return depends_on[dependency]["condition"]


# docker-compose config: what compose will actually run.


def test_compose_defines_the_six_services(config):
    assert set(config["services"]) == SERVICES


def test_web_runs_gunicorn_with_a_healthcheck_on_healthz(config):
    web = config["services"]["web"]
    command = words(web["command"])
    assert command[0] == "gunicorn"
    assert command[-1] == "comptoir.wsgi"
    assert option(command, "--pythonpath") == "backend"
    assert option(command, "--bind") == "0.0.0.0:8000"
    probe = " ".join(words(web["healthcheck"]["test"]))
    assert "http://127.0.0.1:8000/healthz" in probe
    # The probe must send an allowed Host, or Django answers 400 and the check fails.
    assert "ALLOWED_HOSTS" in probe
    ports = [str(p["target"]) if isinstance(p, dict) else str(p) for p in web["ports"]]
    assert any(p.split("/")[0].endswith("8000") for p in ports), ports


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_worker_and_beat_run_celery_on_worker_app(config, name):
    command = words(config["services"][name]["command"])
    assert command[0] == "celery"
    assert option(command, "-A") == "worker.app"
    assert name in command


def test_beat_keeps_its_schedule_on_a_volume(config):
    beat = config["services"]["beat"]
    schedule = option(words(beat["command"]), "--schedule")
    targets = [
        volume["target"] if isinstance(volume, dict) else volume.split(":")[1]
        for volume in beat["volumes"]
    ]
    assert any(schedule.startswith(target.rstrip("/") + "/") for target in targets)


@pytest.mark.parametrize(("name", "probe"), [("db", "pg_isready"), ("redis", "redis-cli ping")])
def test_db_and_redis_have_healthchecks_and_named_volumes(config, name, probe):
    service = config["services"][name]
    assert probe in " ".join(words(service["healthcheck"]["test"]))
    sources = volume_sources(service)
    assert sources, f"{name} keeps its data in no volume"
    assert all(source in config["volumes"] for source in sources)


def test_redis_appends_to_disk(config):
    command = words(config["services"]["redis"]["command"])
    assert option(command, "--appendonly") == "yes"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_every_app_service_gets_the_production_environment(config, name):
    env = environment(config["services"][name])
    assert env["COMPTOIR_ENV"] == "production"
    password = TEST_SECRETS["POSTGRES_PASSWORD"]
    assert env["DATABASE_URL"] == f"postgres://comptoir:{password}@db:5432/comptoir"
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    assert env["SECRET_KEY"] == TEST_SECRETS["SECRET_KEY"]
    assert env["PASS_SIGNING_KEY"] == TEST_SECRETS["PASS_SIGNING_KEY"]
    assert env["PASS_DEPLOYMENT_ID"] == TEST_SECRETS["PASS_DEPLOYMENT_ID"]
    assert env["ALLOWED_HOSTS"]


def test_app_services_start_after_migrations_and_healthy_services(config):
    services = config["services"]
    assert condition(services["migrate"], "db") == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert condition(services[name], "migrate") == "service_completed_successfully"
        assert condition(services[name], "redis") == "service_healthy"


def test_long_running_services_restart_and_migrate_runs_once(config):
    services = config["services"]
    for name in SERVICES - {"migrate"}:
        assert services[name]["restart"] == "unless-stopped", name
    # Restarting a finished migrate would keep `service_completed_successfully` unmet.
    assert services["migrate"]["restart"] == "no"
    assert words(services["migrate"]["command"])[-3:] == ["manage.py", "migrate", "--noinput"]


@pytest.mark.parametrize("missing", sorted(TEST_SECRETS))
@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_config_fails_naming_a_missing_secret(tmp_path, missing, value):
    variables = {k: v for k, v in TEST_SECRETS.items() if k != missing}
    if value is not None:
        variables[missing] = value
    result = compose_config(tmp_path, variables)
    assert result.returncode != 0
    assert result.stderr.strip().endswith(f"set {missing} in .env"), result.stderr


# The files the image is built from.


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [
        line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")
    ]
    text = "\n".join(lines).replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def dockerfile_cmd() -> list[str]:
    commands = [args for keyword, args in dockerfile_instructions() if keyword == "CMD"]
    assert len(commands) == 1
    return json.loads(commands[0])


def assert_wsgi_module_exists(command: list[str]) -> None:
    module = command[-1]
    backend = ROOT / option(command, "--pythonpath")
    path = backend.joinpath(*module.split(".")).with_suffix(".py")
    assert path.is_file(), f"{module} is not at {path}"
    assert "application = " in path.read_text()


def test_dockerfile_cmd_points_at_the_wsgi_module():
    command = dockerfile_cmd()
    assert command[0] == "gunicorn"
    assert command[-1] == "comptoir.wsgi"
    assert_wsgi_module_exists(command)


def test_compose_commands_point_at_modules_that_exist():
    # PyYAML resolves the anchors and merge keys just as docker-compose does.
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    web = words(services["web"]["command"])
    assert web == dockerfile_cmd(), "the compose web command and the image CMD differ"
    assert_wsgi_module_exists(web)
    for name in ("worker", "beat"):
        app = option(words(services[name]["command"]), "-A")
        assert ROOT.joinpath(*app.split(".")).with_suffix(".py").is_file(), app
    assert (ROOT / "manage.py").is_file()


def copy_sources() -> list[str]:
    sources = []
    for keyword, arguments in dockerfile_instructions():
        if keyword != "COPY":
            continue
        if arguments.startswith("["):
            parts = json.loads(arguments)
        else:
            parts = [part for part in shlex.split(arguments) if not part.startswith("--")]
        assert "--from" not in arguments, "a multi-stage COPY: teach this test about it"
        sources.extend(parts[:-1])
    return sources


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_file_the_dockerfile_copies_exists_and_is_sent_to_the_build():
    sources = copy_sources()
    assert "requirements.lock" in sources
    patterns = dockerignore_patterns()
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file"
        if source == ".":
            continue
        for pattern in patterns:
            assert not fnmatch(source, pattern), f"COPY {source} is excluded by {pattern}"


def test_the_image_vendors_the_same_files_as_the_dev_script():
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "scripts" / "dev.py")
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    runs = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "RUN")
    dependencies = json.loads((ROOT / "frontend" / "package.json").read_text())["dependencies"]
    for source, target in dev.VENDOR_FILES.items():
        assert f"frontend/node_modules/{source} frontend/static/vendor/{target}" in runs
        assert source.split("/")[0] in dependencies
