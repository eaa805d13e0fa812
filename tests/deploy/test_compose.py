"""deploy/: the production topology renders as Compose does, is valid Compose, runs what `koliber run`
runs, takes its secrets only from the environment, publishes only the proxy, and the proxy carries
every WebSocket of the gateway."""

import ast
import json
import re
import subprocess
import sys
import tomllib
from ipaddress import ip_address, ip_network
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import crossplane
import dockerfile
import pytest
import yaml
from fastapi.routing import APIWebSocketRoute, iter_route_contexts

from bot.cli import main as koliber
from bot.engine.address import EngineAddress
from bot.engine.client import TURN_LOCK_SECONDS
from bot.main import create_app
from bot.processes import (
    ENGINE_ENV,
    InternalSecrets,
    Stores,
    action_server_spec,
    engine_spec,
    gateway_spec,
    write_endpoints,
)
from bot.settings import PROJECT_ROOT, SECRET_FIELDS, Settings

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
# Compose's interpolation, of which the file keeps to two forms: ${NAME:?} (required) and $$ (a dollar).
INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):\?\}|\$")
REQUIRED_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:\?\}")
SECRET_NAMES = {Settings.model_fields[field].validation_alias for field in SECRET_FIELDS}
SECRET_LOOKING = re.compile(r"TOKEN|PASSWORD|SECRET|KEY|AUTH")


class MadeUpValues(dict):
    """A made-up value for every variable the file asks for; afterwards, the variables it needs."""

    def __missing__(self, name: str) -> str:
        self[name] = f"test-{name.lower().replace('_', '-')}"
        return self[name]


def interpolated(node, values: dict[str, str]):
    """Values (never keys) with ${NAME:?} replaced, as Compose does after parsing the YAML."""
    if isinstance(node, dict):
        return {key: interpolated(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolated(item, values) for item in node]
    if isinstance(node, str):
        return INTERPOLATION.sub(lambda match: _substitute(match, values, node), node)
    return node


def _substitute(match: re.Match, values: dict[str, str], text: str) -> str:
    if match.group(0) == "$$":
        return "$"
    assert match.group("name"), f"keep to ${{NAME:?}} and $$ in compose.yaml: {text!r}"
    return values[match.group("name")]


RAW = yaml.safe_load(COMPOSE_FILE.read_text())
VALUES = MadeUpValues()
COMPOSE = interpolated(RAW, VALUES)
SERVICES = COMPOSE["services"]


def built_from(name: str) -> list[str]:
    return [service for service, spec in SERVICES.items() if spec.get("build", {}).get("dockerfile") == f"deploy/{name}"]


APP_SERVICES, ENGINES = built_from("app.Dockerfile"), built_from("engine.Dockerfile")
GATEWAY_ENV = SERVICES["gateway"]["environment"]


def dockerfile_commands(service: str) -> list[dockerfile.Command]:
    build = SERVICES[service]["build"]
    return list(dockerfile.parse_file(str((DEPLOY / build["context"] / build["dockerfile"]).resolve())))


def instruction(commands: list[dockerfile.Command], name: str) -> list[tuple[str, ...]]:
    return [command.value for command in commands if command.cmd == name]


def in_container(argv: list[str], workdir: str) -> list[str]:
    """A `koliber run` command line as an image runs it: its own python, the project at the image's
    working directory, listening on every interface of the container."""
    args = ["python", *(arg.replace(str(PROJECT_ROOT), workdir) for arg in argv[1:])]
    for flag in ("--host", "--interface"):
        if flag in args:
            args[args.index(flag) + 1] = "0.0.0.0"
    return args


def workdir(service: str) -> str:
    return instruction(dockerfile_commands(service), "WORKDIR")[-1][0]


def engine_urls() -> dict[str, str]:
    return {urlsplit(url).hostname: url for url in GATEWAY_ENV["RASA_URL"].split(",")}


def engine_addresses(secrets_: InternalSecrets) -> list[EngineAddress]:
    return [EngineAddress(url, secrets_.engine_token) for url in engine_urls().values()]


def image_env(service: str) -> dict[str, str]:
    pairs = [part for env in instruction(dockerfile_commands(service), "ENV") for part in env]
    return dict(zip(pairs[::2], pairs[1::2]))


def stores() -> Stores:
    return Stores(GATEWAY_ENV["DATABASE_URL"], GATEWAY_ENV["KOLIBER_REDIS_URL"])


def test_the_compose_file_is_valid_by_the_compose_specification(tmp_path: Path) -> None:
    rendered = tmp_path / "compose.json"
    rendered.write_text(json.dumps(COMPOSE))
    check = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
                            str(rendered)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr


def test_everything_a_service_names_is_declared() -> None:
    for name, service in SERVICES.items():
        assert set(service.get("depends_on", {})) <= set(SERVICES) - {name}, name
        assert set(service.get("networks", [])) <= set(COMPOSE["networks"]), name
        assert {config["source"] for config in service.get("configs", [])} <= set(COMPOSE["configs"]), name
        named_volumes = {volume.split(":")[0] for volume in service.get("volumes", []) if not volume.startswith(".")}
        assert named_volumes <= set(COMPOSE.get("volumes", {})), name
        for dependency, condition in service.get("depends_on", {}).items():
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in SERVICES[dependency], f"{name} waits for {dependency}, which has no healthcheck"
    for config in COMPOSE["configs"].values():
        assert (DEPLOY / config["file"]).is_file(), config


def test_services_run_what_koliber_run_runs() -> None:
    secrets_ = InternalSecrets.generate()
    app_dir = workdir("gateway")
    upstream_port = int(_nginx_upstream_servers()[0].rpartition(":")[2])
    expected_gateway = gateway_spec(upstream_port, GATEWAY_ENV["DATABASE_URL"], engine_addresses(secrets_))
    assert SERVICES["gateway"]["command"] == in_container(expected_gateway.argv, app_dir)

    action_url = urlsplit(_engine_endpoints()["action_endpoint"]["url"])
    assert action_url.hostname == "actions"
    expected_actions = action_server_spec(action_url.port, GATEWAY_ENV["DATABASE_URL"], secrets_)
    assert SERVICES["actions"]["command"] == in_container(expected_actions.argv, app_dir)

    assert set(engine_urls()) == set(ENGINES), "RASA_URL names every engine service, and only them"
    for engine in ENGINES:
        engine_dir = workdir(engine)
        model_dir = PurePosixPath(engine_dir, _copied_model(engine)[1])
        endpoints = next(config["target"] for config in SERVICES[engine]["configs"]
                         if config["source"] == "engine-endpoints")
        expected = engine_spec(port=urlsplit(engine_urls()[engine]).port, model_dir=Path(model_dir),
                               endpoints=Path(endpoints), secrets_=secrets_, stores=stores())
        assert SERVICES[engine]["command"] == in_container(expected.argv, engine_dir)


def test_migrations_run_once_before_the_gateways_start() -> None:
    command = SERVICES["migrate"]["command"]
    scripts = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert command[0] in scripts
    with pytest.raises(SystemExit) as help_shown:  # an unknown subcommand would exit with 2
        koliber([*command[1:], "--help"])
    assert help_shown.value.code == 0
    assert SERVICES["migrate"]["restart"] == "no"
    for service in ("gateway", "actions", *ENGINES):
        assert SERVICES[service]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, service


def test_every_variable_given_to_koliber_is_one_it_reads() -> None:
    secrets_ = InternalSecrets.generate()
    read = {field.validation_alias for field in Settings.model_fields.values()}
    read |= set(engine_spec(5005, Path("models"), Path("endpoints.yml"), secrets_, stores()).env)
    read |= set(action_server_spec(5055, GATEWAY_ENV["DATABASE_URL"], secrets_).env)
    for service in APP_SERVICES + ENGINES:
        assert set(SERVICES[service]["environment"]) <= read, service


def test_each_service_gets_what_koliber_run_gives_it() -> None:
    secrets_ = InternalSecrets(VALUES["KOLIBER_ENGINE_TOKEN"], VALUES["KOLIBER_ACTIONS_TOKEN"])
    gateway = gateway_spec(8000, GATEWAY_ENV["DATABASE_URL"], engine_addresses(secrets_),
                           {"KOLIBER_REDIS_URL": GATEWAY_ENV["KOLIBER_REDIS_URL"]})
    assert gateway.env.items() <= GATEWAY_ENV.items()
    assert SERVICES["migrate"]["environment"] == GATEWAY_ENV  # `koliber` loads the gateway's settings

    actions = action_server_spec(5055, GATEWAY_ENV["DATABASE_URL"], secrets_, host="0.0.0.0").env
    assert actions.items() <= SERVICES["actions"]["environment"].items()

    for engine in ENGINES:
        expected = engine_spec(5005, Path("models"), Path("endpoints.yml"), secrets_, stores()).env
        assert expected.items() <= {**image_env(engine), **SERVICES[engine]["environment"]}.items(), engine
        assert ENGINE_ENV.items() <= image_env(engine).items(), engine
        assert SERVICES[engine]["environment"]["TICKET_LOCK_LIFETIME"] == str(TURN_LOCK_SECONDS)


def test_the_gateway_starts_in_production_with_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for field in Settings.model_fields.values():  # nothing from this machine: only what the file gives
        monkeypatch.delenv(field.validation_alias, raising=False)
    settings = Settings(_env_file=None, **GATEWAY_ENV)  # refuses placeholder secrets in production
    assert not settings.development
    assert settings.redis_url and settings.database_url.startswith("postgresql://")
    assert len(settings.engine_urls) == len(ENGINES) >= 2, "several engines, sharing Redis and PostgreSQL"


def test_engine_endpoints_are_the_stores_koliber_run_writes(tmp_path: Path) -> None:
    deployed = _engine_endpoints()
    action_url = urlsplit(deployed["action_endpoint"]["url"])
    expected = yaml.safe_load(write_endpoints(tmp_path / "endpoints.yml", action_url.port, stores()).read_text())
    expected["action_endpoint"]["url"] = expected["action_endpoint"]["url"].replace("127.0.0.1", action_url.hostname)
    assert deployed == expected
    assert f"{action_url.hostname}:{action_url.port}" == f"actions:{SERVICES['actions']['command'][-1]}"


def test_secrets_come_only_from_the_environment() -> None:
    for name, service in RAW["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if variable in SECRET_NAMES or SECRET_LOOKING.search(variable):
                assert REQUIRED_REFERENCE.fullmatch(value), f"{name}: {variable} must be a ${{NAME:?}} reference"
            password = urlsplit(value).password if "://" in value else None
            if password:
                assert REQUIRED_REFERENCE.fullmatch(password), f"{name}: the password in {variable}"
        healthcheck = json.dumps(service.get("healthcheck", {}))
        assert "$" not in healthcheck and "token" not in healthcheck, f"{name}'s healthcheck must need no secret"
    readme = (DEPLOY / "README.md").read_text()
    assert [name for name in VALUES if name not in readme] == [], "deploy/README.md explains every variable"


def test_only_the_proxy_is_reachable_from_outside() -> None:
    assert [name for name, service in SERVICES.items() if "ports" in service] == ["proxy"]
    assert {int(port.split(":")[-1]) for port in SERVICES["proxy"]["ports"]} == _nginx_listen_ports()
    internal = {name for name, network in COMPOSE["networks"].items() if network.get("internal")}
    for name, service in SERVICES.items():
        assert "network_mode" not in service, name
        if name not in ("proxy", "gateway"):  # the gateway also reaches out to Twilio
            assert set(service["networks"]) <= internal, name
    shared = set(SERVICES["gateway"]["networks"]) & set(SERVICES["proxy"]["networks"])
    assert shared <= internal and len(shared) == 1, "the proxy reaches the gateways over one internal network"


def test_the_gateways_believe_forwarded_addresses_from_the_proxy_only() -> None:
    (network,) = set(SERVICES["gateway"]["networks"]) & set(SERVICES["proxy"]["networks"])
    proxy_address = SERVICES["proxy"]["networks"][network]["ipv4_address"]
    subnet = COMPOSE["networks"][network]["ipam"]["config"][0]["subnet"]
    assert GATEWAY_ENV["KOLIBER_TRUSTED_PROXIES"] == proxy_address
    assert ip_address(proxy_address) in ip_network(subnet)


def test_healthchecks_ask_the_open_endpoints() -> None:
    secrets_ = InternalSecrets.generate()
    gateway_health = urlsplit(gateway_spec(8000, "", engine_addresses(secrets_)).health_url).path
    actions_health = urlsplit(action_server_spec(5055, "", secrets_).health_url).path
    probes = {"gateway": f"http://127.0.0.1:{SERVICES['gateway']['command'][-1]}{gateway_health}",
              "actions": f"http://127.0.0.1:{SERVICES['actions']['command'][-1]}{actions_health}",
              # Rasa's `/` answers without the token that `/status` needs.
              **{engine: f"http://127.0.0.1:{urlsplit(engine_urls()[engine]).port}/" for engine in ENGINES}}
    for service, url in probes.items():
        assert f"'{url}'" in " ".join(SERVICES[service]["healthcheck"]["test"]), service
    for engine in ENGINES:
        assert SERVICES["gateway"]["depends_on"][engine] == {"condition": "service_healthy"}
    assert SERVICES["proxy"]["depends_on"]["gateway"] == {"condition": "service_healthy"}


def test_the_proxy_upgrades_every_websocket_of_the_gateway() -> None:
    app = create_app()
    # A route added to the app itself has no context path (FastAPI 0.141): the route's own path.
    sockets = [context.path or context.original_route.path for context in iter_route_contexts(app.routes)
               if isinstance(context.original_route, APIWebSocketRoute)]
    assert {"/chat/ws", "/console/ws", "/twilio/media"} <= set(sockets)
    http, tls_server = _nginx_http(), _nginx_tls_server()
    (connection_map,) = [d for d in http["block"] if d["directive"] == "map" and d["args"][0] == "$http_upgrade"]
    for path in sockets:
        location = _location(tls_server, path)
        levels = [location["block"], tls_server["block"], http["block"]]
        headers = _headers(levels)
        assert _first(levels, "proxy_http_version") == ["1.1"], path
        assert headers["Upgrade"] == "$http_upgrade", path
        assert headers["Connection"] in ("upgrade", connection_map["args"][1]), path
        assert _seconds(_first(levels, "proxy_read_timeout")[0]) > Settings.model_fields["chat_idle_seconds"].default
    defaults = {d["directive"]: d["args"] for d in connection_map["block"]}
    assert defaults["default"] == ["upgrade"], "any Upgrade header asks for an upgrade"


def test_the_proxy_balances_over_every_gateway_with_client_address_and_scheme() -> None:
    http, tls_server = _nginx_http(), _nginx_tls_server()
    assert _nginx_upstream_servers() == [f"gateway:{SERVICES['gateway']['command'][-1]}"]
    assert any(d["directive"] == "resolver" for d in http["block"]), "replicas are looked up as they come and go"
    for path in ("/", "/chat/ws", "/api/v1/conversations"):
        location = _location(tls_server, path)
        levels = [location["block"], tls_server["block"], http["block"]]
        assert _first(levels, "proxy_pass") == ["http://gateways"], path
        headers = _headers(levels)
        assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
        assert headers["X-Forwarded-Proto"] == "$scheme"
    tls_mount = next(v.split(":")[1] for v in SERVICES["proxy"]["volumes"] if v.startswith("./tls:"))
    for directive in ("ssl_certificate", "ssl_certificate_key"):
        assert _first([tls_server["block"]], directive)[0].startswith(f"{tls_mount}/")


def test_the_images_copy_what_exists_and_install_the_locked_environments() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    for image, services, lock in (("app", APP_SERVICES, "app.lock"), ("engine", ENGINES, "engine.lock")):
        commands = dockerfile_commands(services[0])
        venv = "APP" if image == "app" else "ENGINE"
        python = re.search(rf'find-python (\d+\.\d+)\)" -m venv \$\({venv}\)', makefile).group(1)
        assert instruction(commands, "FROM") == [(f"python:{python}-slim",)], image
        for *sources, _target in instruction(commands, "COPY"):
            for source in sources:
                trained_model = source == "models/koliber.tar.gz" and "--out models --fixed-model-name koliber" in makefile
                assert (PROJECT_ROOT / source).exists() or trained_model, f"{image} image copies a missing {source}"
        assert any(f"--requirement requirements/{lock}" in run[0] for run in instruction(commands, "RUN")), image
    copied = {source.rstrip("/") for *sources, _ in instruction(dockerfile_commands("gateway"), "COPY") for source in sources}
    packages = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert {pattern.rstrip("*") for pattern in packages["include"]} <= copied, "every package the project installs"


def test_the_engine_image_copies_every_project_package_its_plugins_import() -> None:
    copied = {source.rstrip("/") for *sources, _ in instruction(dockerfile_commands(ENGINES[0]), "COPY")
              for source in sources}
    nodes = [node for path in (PROJECT_ROOT / "engine_plugins").glob("*.py") for node in ast.walk(ast.parse(path.read_text()))]
    imported = {alias.name.split(".")[0] for node in nodes if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in nodes if isinstance(node, ast.ImportFrom) and node.module}
    project_packages = {path.parent.name for path in PROJECT_ROOT.glob("*/__init__.py")}
    assert "text" in imported and imported & project_packages <= copied


def _copied_model(engine: str) -> tuple[str, str]:
    (copy,) = [value for value in instruction(dockerfile_commands(engine), "COPY") if value[0].startswith("models/")]
    return copy


def _engine_endpoints() -> dict:
    return yaml.safe_load((DEPLOY / COMPOSE["configs"]["engine-endpoints"]["file"]).read_text())


def _nginx_http() -> dict:
    config = DEPLOY / COMPOSE["configs"]["nginx"]["file"]
    parsed = crossplane.parse(str(config), check_ctx=True, check_args=True)  # nginx's own contexts and arities
    assert parsed["errors"] == [], parsed["errors"]
    (http,) = [d for d in parsed["config"][0]["parsed"] if d["directive"] == "http"]
    return http


def _nginx_servers() -> list[dict]:
    return [d for d in _nginx_http()["block"] if d["directive"] == "server"]


def _nginx_tls_server() -> dict:
    (server,) = [s for s in _nginx_servers() if any(d["directive"] == "listen" and "ssl" in d["args"] for d in s["block"])]
    return server


def _nginx_listen_ports() -> set[int]:
    return {int(d["args"][0]) for server in _nginx_servers() for d in server["block"] if d["directive"] == "listen"}


def _nginx_upstream_servers() -> list[str]:
    (upstream,) = [d for d in _nginx_http()["block"] if d["directive"] == "upstream" and d["args"] == ["gateways"]]
    servers = [d["args"] for d in upstream["block"] if d["directive"] == "server"]
    assert all("resolve" in args for args in servers), "each gateway replica is found by name, again and again"
    return [args[0] for args in servers]


def _location(server: dict, path: str) -> dict:
    """The location nginx picks for `path`: an exact match, else the first matching regular
    expression, else the longest prefix (this file has no ^~)."""
    locations = [d for d in server["block"] if d["directive"] == "location"]
    exact = [d for d in locations if d["args"][0] == "=" and d["args"][1] == path]
    regex = [d for d in locations if d["args"][0] in ("~", "~*")
             and re.search(d["args"][1], path, re.IGNORECASE if d["args"][0] == "~*" else 0)]
    prefix = sorted((d for d in locations if len(d["args"]) == 1 and path.startswith(d["args"][0])),
                    key=lambda d: len(d["args"][0]), reverse=True)
    return (exact or regex or prefix)[0]


def _first(levels: list[list[dict]], directive: str) -> list[str] | None:
    """A directive's arguments where nginx takes them from: the innermost level that sets it."""
    return next((d["args"] for level in levels for d in level if d["directive"] == directive), None)


def _headers(levels: list[list[dict]]) -> dict[str, str]:
    """proxy_set_header as nginx inherits it: all from the innermost level that sets any."""
    level = next(level for level in levels if any(d["directive"] == "proxy_set_header" for d in level))
    return {d["args"][0]: d["args"][1] for d in level if d["directive"] == "proxy_set_header"}


def _seconds(duration: str) -> float:
    units = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = re.fullmatch(r"(\d+)([smhd]?)", duration).groups()
    return int(number) * units[unit]
