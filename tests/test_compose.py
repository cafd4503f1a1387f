"""The deployment files (docker-compose.yml, Dockerfile) and the vendored front-end assets.

No Docker engine runs in CI, so these tests read the files: they pin the properties the
deployment relies on (one beat, migrations only in `migrate`, the database and Redis unreachable
from outside, the production environment on every app container) and that pages load nothing
from a CDN.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml  # a dev dependency: a missing one must fail, not skip

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
VENDOR_DIR = ROOT / "workflow" / "static" / "vendor" / "bootstrap"
TEMPLATES_DIR = ROOT / "templates"

APP_SERVICES = ("migrate", "web", "worker", "beat")
MIGRATION_WORDS = ("upgrade", "alembic", "migrate")


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    with COMPOSE_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


_REQUIRED = re.compile(r"\$\{(\w+):?\?[^}]*\}")
_DEFAULT = re.compile(r"\$\{(\w+):?-([^}]*)\}")


def interpolate(value: str) -> str:
    """Resolve compose's `${VAR:-default}` to its default and `${VAR:?msg}` to a placeholder."""
    value = _DEFAULT.sub(lambda m: m.group(2), value)
    return _REQUIRED.sub(lambda m: f"required-{m.group(1).lower()}", value)


def as_argv(command) -> list[str]:
    if command is None:
        return []
    if isinstance(command, str):
        return shlex.split(command)
    return [str(part) for part in command]


def dockerfile_instruction(name: str) -> list[str]:
    """Arguments of the last NAME instruction of the Dockerfile (exec form or shell form)."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text)  # join continuation lines
    found = None
    for line in logical.splitlines():
        parts = line.strip().split(None, 1)
        if parts and parts[0].upper() == name:
            found = parts[1] if len(parts) > 1 else ""
    if found is None:
        return []
    found = found.strip()
    if found.startswith("["):
        return json.loads(found)
    return shlex.split(found)


def effective_command(service: dict) -> list[str]:
    """What the container runs: compose's entrypoint and command, else (for a service built from
    our Dockerfile) the Dockerfile's."""
    ours = "build" in service
    entrypoint = as_argv(service.get("entrypoint")) or (dockerfile_instruction("ENTRYPOINT") if ours else [])
    command = as_argv(service.get("command")) or (dockerfile_instruction("CMD") if ours else [])
    return entrypoint + command


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: str(value) for key, value in env.items()}


def networks_of(service: dict) -> set[str]:
    nets = service.get("networks") or []
    return set(nets) if isinstance(nets, list) else set(nets.keys())


def depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):  # short form: only "started"
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


# --- docker-compose.yml ------------------------------------------------------------------------


def test_all_services_exist(services):
    expected = {"db", "redis", "mailpit", "migrate", "web", "worker", "beat", "proxy"}
    assert expected <= set(services), f"missing: {sorted(expected - set(services))}"


def test_app_services_use_the_project_image(services):
    for name in APP_SERVICES:
        service = services[name]
        assert "build" in service or "image" in service, name
    images = {services[name].get("image") for name in APP_SERVICES}
    assert len(images) == 1, f"app services should share one image, got {images}"


def test_exactly_one_beat_with_one_replica(services):
    beats = [
        name
        for name, service in services.items()
        if (argv := effective_command(service))[:1] == ["celery"] and "beat" in argv
    ]
    assert beats == ["beat"], f"exactly one celery beat service expected, got {beats}"
    assert services["beat"].get("deploy", {}).get("replicas") == 1
    # `--beat` on a worker would be a second scheduler hidden inside the worker
    for name, service in services.items():
        assert "--beat" not in effective_command(service) and "-B" not in effective_command(service), name


def test_web_runs_gunicorn_on_the_app_factory(services):
    argv = effective_command(services["web"])
    assert argv[:1] == ["gunicorn"], argv
    assert "workflow:create_app()" in argv
    assert any("0.0.0.0:8000" in part for part in argv), argv
    # reached only through the proxy: a replicated service cannot publish one host port anyway
    assert not services["web"].get("ports"), "web must publish no port (the proxy does)"
    assert any(str(port).startswith("8000:") for port in services["proxy"].get("ports", []))


def test_worker_runs_celery_worker(services):
    argv = effective_command(services["worker"])
    assert argv[:1] == ["celery"], argv
    assert "worker" in argv
    assert argv[argv.index("-A") + 1] == "tasks.worker"


def test_beat_runs_celery_beat_on_the_same_app(services):
    argv = effective_command(services["beat"])
    assert argv[:1] == ["celery"] and "beat" in argv, argv
    assert argv[argv.index("-A") + 1] == "tasks.worker"


def test_migrations_run_only_in_the_migrate_service(services):
    migrate = services["migrate"]
    assert effective_command(migrate) == ["tdkt", "db", "upgrade"]
    assert str(migrate.get("restart")) == "no"
    assert depends_on(migrate).get("db") == "service_healthy"
    for name in ("web", "worker", "beat"):
        argv = " ".join(effective_command(services[name])).lower()
        for word in MIGRATION_WORDS:
            assert word not in argv, f"{name} must not run migrations: {argv!r}"
        assert depends_on(services[name]).get("migrate") == "service_completed_successfully", name


def test_web_and_worker_wait_for_redis(services):
    for name in ("web", "worker"):
        assert depends_on(services[name]).get("redis") == "service_healthy", name


def test_db_and_redis_are_only_on_the_internal_network(compose, services):
    networks = compose.get("networks") or {}
    assert (networks.get("backend") or {}).get("internal") is True
    for name in ("db", "redis"):
        assert networks_of(services[name]) == {"backend"}, name
        assert not services[name].get("ports"), f"{name} must publish no port"
    assert {"backend", "frontend"} <= networks_of(services["web"])
    assert {"backend", "frontend"} <= networks_of(services["mailpit"])
    assert not (networks.get("frontend") or {}).get("internal")


def test_every_app_service_has_the_production_environment(services):
    for name in APP_SERVICES:
        env = env_of(services[name])

        database = urlsplit(interpolate(env["TDKT_DATABASE_URL"]))
        assert database.scheme == "postgresql+psycopg", (name, database.scheme)
        assert database.hostname == "db" and "db" in services, (name, database.hostname)

        broker = urlsplit(interpolate(env["TDKT_BROKER_URL"]))
        assert broker.scheme == "redis" and broker.hostname == "redis", (name, broker)

        # compose refuses to start without it: `${TDKT_SECRET_KEY:?message}`
        assert re.fullmatch(r"\$\{TDKT_SECRET_KEY:?\?[^}]+\}", env["TDKT_SECRET_KEY"]), name
        assert env["TDKT_ENV"] == "production", name


def test_healthchecks_on_db_redis_and_web(services):
    for name, probe in (("db", "pg_isready"), ("redis", "redis-cli"), ("web", "/healthz")):
        check = services[name].get("healthcheck") or {}
        assert not check.get("disable"), name
        test = " ".join(as_argv(check.get("test")))
        assert probe in test, (name, test)
    assert "ping" in " ".join(as_argv(services["redis"]["healthcheck"]["test"]))


def test_redis_keeps_its_data(services):
    assert "--appendonly" in (argv := as_argv(services["redis"].get("command"))), argv
    assert argv[argv.index("--appendonly") + 1] == "yes"


def test_volumes(compose, services):
    declared = set(compose.get("volumes") or {})
    assert "attachments" in declared
    for name in ("web", "worker"):
        assert "attachments:/app/instance" in services[name].get("volumes", []), name
    for name, target in (("db", "/var/lib/postgresql/data"), ("redis", "/data")):
        mounts = [str(v).split(":") for v in services[name].get("volumes", [])]
        assert any(m[0] in declared and m[1] == target for m in mounts), (name, mounts)


# --- scaled out: two web and two worker replicas behind the proxy ------------------------------

NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def replicas(service: dict) -> int:
    return int((service.get("deploy") or {}).get("replicas", 1))


@pytest.fixture(scope="module")
def nginx() -> str:
    """deploy/nginx.conf without its comments."""
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text(encoding="utf-8"))


def test_two_web_and_two_worker_replicas_one_beat(services):
    assert replicas(services["web"]) == 2
    assert replicas(services["worker"]) == 2
    assert replicas(services["beat"]) == 1 and replicas(services["migrate"]) == 1
    for name in ("web", "worker"):
        # replicas cannot share a container name or a host port
        assert "container_name" not in services[name] and not services[name].get("ports"), name


def test_the_proxy_mounts_its_config_from_the_repository(services):
    proxy = services["proxy"]
    assert str(proxy.get("image", "")).startswith(("nginx:", "nginx@"))
    mounts = [str(v).split(":") for v in proxy.get("volumes", [])]
    assert ["./deploy/nginx.conf", "/etc/nginx/conf.d/default.conf", "ro"] in mounts, mounts
    assert NGINX_CONF.is_file()
    assert depends_on(proxy).get("web") == "service_healthy"
    # it reaches web over a network they share, and is itself reachable from outside
    assert networks_of(proxy) & networks_of(services["web"])
    assert "frontend" in networks_of(proxy) and "backend" not in networks_of(proxy)


def test_the_proxy_forwards_to_the_web_service_with_the_client_headers(services, nginx):
    upstreams = dict(re.findall(r"upstream\s+(\w+)\s*\{([^}]*)\}", nginx))
    passes = re.findall(r"proxy_pass\s+http://(\w+)\s*;", nginx)
    assert passes and all(name in upstreams for name in passes), (passes, list(upstreams))
    bind = next(p for p in effective_command(services["web"]) if p.startswith("0.0.0.0:"))
    port = bind.split(":")[1]
    for name in passes:
        assert re.search(rf"\bserver\s+web:{port}\b", upstreams[name]), upstreams[name]
    # a resolver, so that every replica behind the one name is found, also after a restart
    assert re.search(r"^\s*resolver\s+127\.0\.0\.11\b", nginx, re.M)
    for header, value in (("X-Forwarded-For", "$proxy_add_x_forwarded_for"), ("X-Forwarded-Proto", "$scheme"),
                          ("Host", "$host")):
        assert re.search(rf"proxy_set_header\s+{re.escape(header)}\s+{re.escape(value)}\s*;", nginx), header
    assert re.search(r"^\s*listen\s+80\b", nginx, re.M)
    published = [str(p) for p in services["proxy"]["ports"]]
    assert all(p.endswith(":80") for p in published), published


def test_the_proxy_lets_an_upload_through_to_the_app(services, nginx):
    """nginx's own body limit (1 MB by default) must not refuse what the app accepts."""
    from workflow.config import DEFAULTS

    limit = re.search(r"client_max_body_size\s+(\d+)m\s*;", nginx)
    upload_mb = int(env_of(services["web"]).get("TDKT_UPLOAD_MAX_MB", DEFAULTS["UPLOAD_MAX_MB"]))
    assert limit and int(limit.group(1)) >= upload_mb, limit


def test_the_environment_is_consistent_across_replicas_and_roles(services):
    """One trusted hop on web (the proxy), none elsewhere; every app container stores files in the
    same place, one every replica on every machine sees; otherwise the same settings."""
    from workflow.storage import BACKENDS

    envs = {name: env_of(services[name]) for name in APP_SERVICES}
    assert envs["web"].get("TDKT_PROXY_HOPS") == "1"
    for name in ("migrate", "worker", "beat"):
        assert envs[name].get("TDKT_PROXY_HOPS", "0") == "0", name
    storages = {env.get("TDKT_STORAGE") for env in envs.values()}
    assert storages == {"database"} and storages <= set(BACKENDS), storages
    # apart from the proxy setting, web, worker, beat and migrate share every variable
    shared = [{k: v for k, v in env.items() if k != "TDKT_PROXY_HOPS"} for env in envs.values()]
    assert all(env == shared[0] for env in shared), shared
    for key in ("TDKT_DATABASE_URL", "TDKT_BROKER_URL", "TDKT_RATELIMIT_STORAGE_URL", "TDKT_SECRET_KEY"):
        assert key in shared[0], key
    # the sign-in counters are shared by every web replica (in Redis, not in each process)
    assert urlsplit(interpolate(shared[0]["TDKT_RATELIMIT_STORAGE_URL"])).hostname == "redis"


# --- Dockerfile --------------------------------------------------------------------------------


def test_dockerfile_builds_a_non_root_image_that_does_not_migrate():
    assert DOCKERFILE.is_file()
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert re.search(r"^RUN .*pip install \.", text, re.M)
    user = dockerfile_instruction("USER")
    assert user and user[0] not in ("root", "0"), user
    assert dockerfile_instruction("WORKDIR") == ["/app"]
    assert "8000" in dockerfile_instruction("EXPOSE")
    assert "/healthz" in " ".join(dockerfile_instruction("HEALTHCHECK"))

    runs = dockerfile_instruction("ENTRYPOINT") + dockerfile_instruction("CMD")
    assert runs[:1] == ["gunicorn"] and "workflow:create_app()" in runs, runs
    for word in MIGRATION_WORDS:
        assert word not in " ".join(runs).lower(), runs


def test_dockerignore_keeps_local_state_out_of_the_image():
    lines = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".venv", "instance", ".git", "node_modules", "__pycache__", ".pytest_cache"} <= lines


# --- vendored assets, no CDN -------------------------------------------------------------------


def test_vendored_bootstrap_files_exist():
    for name in ("bootstrap.min.css", "bootstrap.bundle.min.js", "LICENSE"):
        path = VENDOR_DIR / name
        assert path.is_file() and path.stat().st_size > 0, path
    assert "MIT License" in (VENDOR_DIR / "LICENSE").read_text(encoding="utf-8")


def test_vendored_bootstrap_matches_pinned_version():
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["bootstrap"]
    assert re.fullmatch(r"5\.3\.\d+", pinned), f"pin an exact 5.3.x version, got {pinned!r}"
    for name in ("bootstrap.min.css", "bootstrap.bundle.min.js"):
        head = (VENDOR_DIR / name).read_text(encoding="utf-8")[:300]
        assert re.search(rf"Bootstrap\s+v{re.escape(pinned)}\b", head), (name, head[:120])


_ASSET_TAG = re.compile(r"<(script|link)\b[^>]*>", re.I | re.S)
_REMOTE_ATTR = re.compile(r"""\b(src|href)\s*=\s*["']?\s*(https?:)?//""", re.I)


def remote_assets(html: str) -> list[str]:
    """The <script src> and <link href> tags of HTML that point at another host."""
    return [m.group(0) for m in _ASSET_TAG.finditer(html) if _REMOTE_ATTR.search(m.group(0))]


@pytest.mark.parametrize(
    ("html", "remote"),
    [
        ('<script src="https://cdn.jsdelivr.net/npm/bootstrap.js"></script>', True),
        ("<link rel='stylesheet'\n      href='http://example.org/b.css'>", True),
        ('<LINK HREF="//cdn.example.org/b.css" rel="stylesheet">', True),
        (
            "<script src=\"{{ url_for('static', filename='vendor/bootstrap/bootstrap.bundle.min.js') }}\">",
            False,
        ),
        ('<link rel="stylesheet" href="/static/vendor/bootstrap/bootstrap.min.css">', False),
        ('<a href="https://thuvienphapluat.vn/">Luật 06/2022/QH15</a>', False),
    ],
)
def test_remote_asset_detector(html, remote):
    assert bool(remote_assets(html)) is remote


def test_templates_load_no_asset_from_another_host():
    if not TEMPLATES_DIR.is_dir():
        pytest.skip("templates/ does not exist yet")
    offenders = {}
    for path in sorted(TEMPLATES_DIR.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".htm", ".jinja", ".jinja2", ".j2", ".xml"}:
            if found := remote_assets(path.read_text(encoding="utf-8")):
                offenders[str(path.relative_to(ROOT))] = found
    assert not offenders, f"load assets from workflow/static, not a CDN: {offenders}"
