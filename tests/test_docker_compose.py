"""The production description holds together: docker-compose.yml and the Dockerfile.

The compose checks read the file as docker-compose itself resolves it
(`docker-compose config`, no Docker daemon needed) and are skipped when
docker-compose is not installed; CI requires it (tests/conftest.py). They check
what the deployment does (the app starts in production mode with the environment
compose gives it, the web healthcheck passes, nothing starts before what it needs),
not the file's lines one by one.
"""

import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
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


def app_services(config: dict) -> dict[str, dict]:
    """The services that run this repository's image."""
    return {name: service for name, service in config["services"].items() if "build" in service}


def waits_for(services: dict, name: str) -> dict[str, str]:
    """Every service `name` waits for before it starts, directly or not, with the condition."""
    found: dict[str, str] = {}
    todo = [name]
    while todo:
        for dependency, spec in (services[todo.pop()].get("depends_on") or {}).items():
            if dependency not in found:
                found[dependency] = spec["condition"]
                todo.append(dependency)
    return found


def migrating_service(services: dict) -> str:
    names = [
        name
        for name, service in services.items()
        if {"manage.py", "migrate"} <= set(words(service.get("command")))
    ]
    assert len(names) == 1, names
    return names[0]


def production_run(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run Python in production mode with a service's environment, on this machine.

    The database and Redis compose names are other containers: a file database and a
    closed port stand in for them; everything else is the service's own environment.
    """
    local = {
        **env,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:9/0",
        "COMPTOIR_VAR_DIR": str(tmp_path),
        "PATH": os.environ.get("PATH", ""),
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=local,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# docker-compose config: what compose will actually run.


def test_every_app_service_passes_the_deployment_checks_with_its_compose_environment(
    config, tmp_path
):
    environments = {
        json.dumps(environment(service), sort_keys=True)
        for service in app_services(config).values()
    }
    for env in environments:
        result = production_run(
            json.loads(env), tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues" in result.stdout


def test_the_app_services_use_the_database_and_redis_that_compose_runs(config):
    db = config["services"]["db"]["environment"]
    for name, service in app_services(config).items():
        env = environment(service)
        database = urlsplit(env["DATABASE_URL"])
        assert database.hostname in config["services"], name
        assert (database.username, database.password, database.path.lstrip("/")) == (
            db["POSTGRES_USER"],
            db["POSTGRES_PASSWORD"],
            db["POSTGRES_DB"],
        ), name
        assert urlsplit(env["REDIS_URL"]).hostname in config["services"], name


# Runs the web healthcheck's Python probe against the WSGI application the web command
# serves, in its own process: the probe's request goes straight to `application`.
PROBE_RUNNER = """
import importlib, sys, urllib.error, urllib.parse, urllib.request
from wsgiref.util import setup_testing_defaults

application = importlib.import_module(sys.argv[1]).application

def urlopen(request, timeout=None):
    url = urllib.parse.urlsplit(request.full_url)
    environ = {
        "REQUEST_METHOD": request.get_method(),
        "PATH_INFO": url.path,
        "wsgi.url_scheme": url.scheme,
        "SERVER_NAME": url.hostname,
        "SERVER_PORT": str(url.port),
        "HTTP_HOST": request.get_header("Host") or url.netloc,
    }
    setup_testing_defaults(environ)
    status = []
    b"".join(application(environ, lambda line, headers, exc_info=None: status.append(line)))
    print(url.port, status[0])
    if not status[0].startswith("200"):
        raise urllib.error.HTTPError(request.full_url, int(status[0][:3]), status[0], {}, None)

urllib.request.urlopen = urlopen
exec(sys.argv[2])
"""


@pytest.mark.parametrize(
    "allowed_hosts",
    [None, "comptoir.example.org", ".example.org,comptoir.example.net"],
    ids=["default", "one-host", "a-domain-first"],
)
def test_the_web_healthcheck_gets_a_200_from_the_app_on_the_port_gunicorn_binds(
    tmp_path, allowed_hosts
):
    variables = dict(TEST_SECRETS)
    if allowed_hosts is not None:
        variables["ALLOWED_HOSTS"] = allowed_hosts
    result = compose_config(tmp_path, variables)
    assert result.returncode == 0, result.stderr
    web = yaml.safe_load(result.stdout)["services"]["web"]
    command, probe = words(web["command"]), words(web["healthcheck"]["test"])
    assert probe[:3] == ["CMD", "python", "-c"], "teach PROBE_RUNNER this probe"
    env = {**environment(web), "PYTHONPATH": str(ROOT / option(command, "--pythonpath"))}

    run = production_run(env, tmp_path, "-c", PROBE_RUNNER, command[-1], probe[3])

    assert run.returncode == 0, run.stdout + run.stderr
    port = option(command, "--bind").rsplit(":", 1)[1]
    assert run.stdout.split()[:2] == [port, "200"], run.stdout
    published = [str(p["target"]) if isinstance(p, dict) else str(p) for p in web["ports"]]
    assert any(p.split("/")[0].split(":")[-1] == port for p in published), published


def test_nothing_starts_before_its_database_and_redis_are_healthy_and_migrations_ran(config):
    services = config["services"]
    migrate = migrating_service(services)
    for name, service in app_services(config).items():
        env = environment(service)
        waited = waits_for(services, name)
        for url in (env["DATABASE_URL"], env["REDIS_URL"]):
            if name == migrate and url == env["REDIS_URL"]:
                continue  # migrations need the database only
            assert waited.get(urlsplit(url).hostname) == "service_healthy", (name, url)
        if name != migrate:
            assert waited.get(migrate) == "service_completed_successfully", name


def test_every_awaited_service_can_reach_the_state_it_is_awaited_in(config):
    services = config["services"]
    for name in services:
        for dependency, state in waits_for(services, name).items():
            awaited = services[dependency]
            if state == "service_healthy":
                assert words((awaited.get("healthcheck") or {}).get("test")), dependency
            elif state == "service_completed_successfully":
                # A restart policy would run the job again after it exits: never "completed".
                assert awaited.get("restart", "no") == "no", dependency


def test_every_long_running_service_comes_back_after_a_crash_or_a_reboot(config):
    services = config["services"]
    one_shot = {migrating_service(services)}
    for name, service in services.items():
        if name not in one_shot:
            assert service.get("restart", "no") in ("always", "unless-stopped"), name


def test_beat_keeps_its_schedule_on_a_volume(config):
    beat = config["services"]["beat"]
    schedule = option(words(beat["command"]), "--schedule")
    targets = [
        volume["target"] if isinstance(volume, dict) else volume.split(":")[1]
        for volume in beat["volumes"]
    ]
    assert any(schedule.startswith(target.rstrip("/") + "/") for target in targets)


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
