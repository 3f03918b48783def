"""The deployment files (Dockerfile, compose.yaml, deploy/) say what README.md "Production" says.

This machine has no Docker daemon, so compose.yaml is validated against the Compose Specification's
JSON schema (vendored: tests/data/compose-spec.README) and its structure is checked: the API is
gunicorn with server/gunicorn_conf.py, two schedulers, Redis with append-only persistence, migrations
as a one-off step the long-running services wait for, nothing as root that can avoid it, no secret in
the file. The Dockerfile is read as text; the systemd units are parsed as INI files."""

import configparser
import copy
import importlib
import json
import re
import shlex
from pathlib import Path

import jsonschema_rs
import pytest
import yaml

from server.config import UnsafeSettings, check_settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ["gunicorn", "-c", "python:server.gunicorn_conf", "server.wsgi:app"]
SCHEDULER = ["python", "-m", "server.scheduler"]
MIGRATE = ["flask", "--app", "server.wsgi", "db", "upgrade"]
# Settings whose values are secrets: they may only come from an env file, never from the repository.
SECRET_SETTINGS = ("SECRET_KEY", "WECHAT_SECRET", "DATABASE_URL", "REDIS_URL", "POSTGRES_PASSWORD")


def _compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def _schema_errors(document):
    schema = json.loads((ROOT / "tests/data/compose-spec.json").read_text(encoding="utf-8"))
    return [error.message for error in jsonschema_rs.validator_for(schema).iter_errors(document)]


def _command(service):
    command = service.get("command")
    return shlex.split(command) if isinstance(command, str) else command


def _services_running(compose, command):
    return sorted(name for name, service in compose["services"].items() if _command(service) == command)


def test_compose_file_validates_against_the_compose_specification():
    assert _schema_errors(_compose()) == []


def test_the_schema_check_catches_a_broken_compose_file():
    broken = copy.deepcopy(_compose())
    broken["services"]["api"]["depends_on"] = {"migrate": {"condition": "service_finished"}}
    broken["services"]["redis"]["healthcheck"]["retries"] = "many"
    broken["services"]["proxy"]["restart_when"] = "always"
    assert len(_schema_errors(broken)) == 3


def test_api_is_gunicorn_with_the_service_conf_and_schedulers_run_twice():
    compose = _compose()
    assert _services_running(compose, GUNICORN) == ["api"]
    schedulers = _services_running(compose, SCHEDULER)
    assert len(schedulers) == 2
    for name in ["api", *schedulers]:
        # Settings from the env file, the proxy counted for the client address.
        assert compose["services"][name]["env_file"] == "deploy/production.env"
        assert str(compose["services"][name]["environment"]["TRUSTED_PROXIES"]) == "1"
        assert compose["services"][name]["restart"] == "unless-stopped"
    assert "healthcheck" in compose["services"]["api"]
    assert "/api/v1/health" in " ".join(compose["services"]["api"]["healthcheck"]["test"])


def test_redis_persists_with_append_only_file_on_a_volume():
    redis = _compose()["services"]["redis"]
    command = " ".join(_command(redis))
    assert "--appendonly yes" in command
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


def test_migrations_are_a_one_off_step_the_long_running_services_wait_for():
    compose = _compose()
    assert _services_running(compose, MIGRATE) == ["migrate"]
    assert compose["services"]["migrate"]["restart"] == "no"
    for name in ["api", *_services_running(compose, SCHEDULER)]:
        service = compose["services"][name]
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert "db upgrade" not in " ".join(_command(service))
    # The image's default command is the web server, which never migrates.
    assert "upgrade" not in _dockerfile_instructions("CMD")[-1]
    for name, service in compose["services"].items():
        if "healthcheck" in service:
            assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name


def test_no_service_runs_as_root():
    for name, service in _compose()["services"].items():
        user = str(service.get("user", "")).split(":")[0]
        assert user not in ("", "0", "root"), f"{name} runs as root"


def test_tls_proxy_forwards_the_client_address_and_scheme_and_mounts_its_files():
    proxy = _compose()["services"]["proxy"]
    assert {port.split(":")[0] for port in proxy["ports"]} == {"80", "443"}
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in proxy["volumes"]}
    assert mounts["./deploy/nginx.conf"] == "/etc/nginx/conf.d/default.conf"
    assert mounts["./deploy/tls"] == "/etc/nginx/tls"
    nginx = (ROOT / "deploy/nginx.conf").read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert re.search(r"listen 8443 ssl;", nginx)
    assert "ssl_certificate /etc/nginx/tls/fullchain.pem;" in nginx
    assert "return 301 https://$host$request_uri;" in nginx


def test_no_secret_values_in_the_compose_file():
    compose = _compose()
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        assert not set(environment) & set(SECRET_SETTINGS), name
    assert not re.search(r"(?i)(secret|password)[a-z_]*\s*[:=]\s*\S", text)
    assert not re.search(r"(?i)(postgres(ql)?|redis)://[^\s@/]*:[^\s@/]+@", text)
    # The env files the services read are never committed; each has a committed example to copy.
    ignored = (ROOT / "deploy/.gitignore").read_text(encoding="utf-8").split()
    assert "*.env" in ignored and "tls/" in ignored
    env_files = {service["env_file"] for service in compose["services"].values() if "env_file" in service}
    assert env_files == {"deploy/production.env", "deploy/postgres.env"}
    for env_file in env_files:
        assert (ROOT / (env_file + ".example")).is_file(), env_file


def _env_example(name):
    settings = {}
    for line in (ROOT / "deploy" / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


def test_the_production_env_example_names_every_setting_production_requires(monkeypatch):
    example = _env_example("production.env.example")
    for key in SECRET_SETTINGS[:-1] + ("WECHAT_APPID", "PUBLIC_BASE_URL"):
        assert key in example, key
    assert example["SECRET_KEY"] == "" and example["WECHAT_SECRET"] == ""
    assert "POSTGRES_PASSWORD" in _env_example("postgres.env.example")

    def settings_from(values):
        for key in list(load_settings()):
            monkeypatch.delenv(key, raising=False)
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        return load_settings()

    # As shipped, the example is refused: the blanks must be filled in.
    with pytest.raises(UnsafeSettings) as refused:
        check_settings(settings_from(example))
    assert "SECRET_KEY" in str(refused.value) and "WECHAT_APPID" in str(refused.value)
    filled = dict(
        example,
        SECRET_KEY="s" * 48,
        WECHAT_APPID="wx1234567890abcdef",
        WECHAT_SECRET="0123456789abcdef0123456789abcdef",
        DATABASE_URL="postgresql://volunteer:pw@postgres:5432/volunteer",
    )
    check_settings(settings_from(filled))


def _dockerfile_instructions(keyword):
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    return [
        line.strip()[len(keyword):].strip()
        for line in joined.splitlines()
        if line.strip().upper().startswith(keyword + " ")
    ]


def test_dockerfile_installs_only_the_production_requirements_as_a_non_root_user():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "requirements-dev" not in re.sub(r"#.*", "", text)
    runs = " ".join(_dockerfile_instructions("RUN"))
    assert re.findall(r"-r (\S+)", runs) == ["/tmp/requirements.txt"]
    copies = _dockerfile_instructions("COPY")
    assert "requirements.txt /tmp/requirements.txt" in copies
    assert not any("requirements-dev" in copy for copy in copies)
    # A slim Python pinned by version, never a moving tag.
    assert re.fullmatch(r"PYTHON_IMAGE=python:\d+\.\d+\.\d+-slim-\w+", _dockerfile_instructions("ARG")[0])
    # Mirrors configurable at build time.
    args = {arg.split("=")[0] for arg in _dockerfile_instructions("ARG")}
    assert {"PIP_INDEX_URL", "APT_MIRROR"} <= args
    users = _dockerfile_instructions("USER")
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert _dockerfile_instructions("CMD")[-1] == json.dumps(GUNICORN)
    # The build context holds the service's code and requirements only.
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ignore[ignore.index("*") :][:3] == ["*", "!requirements.txt", "!server/"]


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    import server.gunicorn_conf

    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "6")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:8001")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "1000")
    conf = importlib.reload(server.gunicorn_conf)
    try:
        assert (conf.worker_class, conf.workers, conf.threads, conf.timeout) == ("gthread", 3, 6, 45)
        assert conf.bind == ["127.0.0.1:8001"]
        assert (conf.max_requests, conf.max_requests_jitter) == (1000, 100)
        assert "formatters" in conf.logconfig_dict  # the service's own log format
        assert conf.control_socket_disable is True  # its default path is under a read-only $HOME
    finally:
        monkeypatch.undo()
        conf = importlib.reload(server.gunicorn_conf)
    assert conf.workers >= 2 and conf.threads == 4 and conf.bind == ["0.0.0.0:8000"]


def _unit(name):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read_string((ROOT / "deploy/systemd" / name).read_text(encoding="utf-8"))
    return parser


def test_systemd_units_run_the_same_commands_as_unprivileged_users():
    api, scheduler, migrate = (
        _unit(name) for name in ("volunteer-api.service", "volunteer-scheduler@.service", "volunteer-migrate.service")
    )
    venv = "/opt/volunteer/.venv/bin/"
    assert shlex.split(api["Service"]["ExecStart"]) == [venv + GUNICORN[0], *GUNICORN[1:]]
    assert shlex.split(scheduler["Service"]["ExecStart"]) == [venv + SCHEDULER[0], *SCHEDULER[1:]]
    assert shlex.split(migrate["Service"]["ExecStart"]) == [venv + MIGRATE[0], *MIGRATE[1:]]
    assert migrate["Service"]["Type"] == "oneshot"
    for unit in (api, scheduler, migrate):
        assert unit["Service"]["User"] == "volunteer"
        assert unit["Service"]["EnvironmentFile"] == "/etc/volunteer/production.env"
    for unit in (api, scheduler):
        assert "volunteer-migrate.service" in unit["Unit"]["After"]
    assert "%i" in scheduler["Unit"]["Description"]
