"""The systemd units in deploy/systemd/ run exactly what scripts/stack.py runs, with the same environment.

If a module, an option, a variable or a secret changes in the code and not in the units
(or the other way round), one of these fails.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scripts.stack import ACTIONS_SECRETS, QUIET_RASA_ENV, SECRET_KEYS, Stack, StackConfig
from tests.deploy.units import (
    DEFAULT_INSTANCES,
    ENV_DIR,
    INSTALL_DIR,
    ROOT,
    UNIT_DIR,
    Unit,
    environment_assignments,
    exec_start,
    load,
    read_env_file,
    read_unit,
    service_environment,
    state_directories,
    unit_files,
)

SERVICES = {
    "backend": "feedback-backend@.service",
    "actions": "feedback-actions.service",
    "rasa": "feedback-rasa@.service",
}
# Units that run our Python code as the service account.
OUR_CODE = [*SERVICES.values(), "feedback-migrate.service", "feedback-backup.service"]
FAKE_SECRETS = {key: f"{key.lower()}-{'x' * 40}" for key in SECRET_KEYS}
# Which code reads a settings file, and which code each unit's own Environment= lines are for.
ENV_FILE_READERS = {
    "backend.env": ("feedback-backend@.service", ["backend"]),
    "rasa.env": ("feedback-rasa@.service", ["bot", "actions"]),
    "actions.env": ("feedback-actions.service", ["actions", "bot"]),
}
UNIT_READERS = {
    "feedback-backend@.service": ["backend"],
    "feedback-migrate.service": ["backend"],
    "feedback-rasa@.service": ["bot", "actions"],
    "feedback-actions.service": ["actions", "bot"],
    "feedback-backup.service": ["deploy"],
}
RASA_SITE = next(iter(sorted((ROOT / ".venv/rasa/lib").glob("python3*/site-packages"))), None)
# Read by a library in Rasa's virtualenv: the file that reads it.
LIBRARY_READERS = {
    "RASA_TELEMETRY_ENABLED": "rasa/telemetry.py",
    "TF_CPP_MIN_LOG_LEVEL": "rasa/utils/common.py",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "sqlalchemy/util/deprecations.py",
}
INTERPRETER = {"PYTHONDONTWRITEBYTECODE"}  # read by CPython itself


def default_stack() -> Stack:
    """`make run`'s stack on the ports the units' default instances use."""
    return Stack(
        StackConfig(host="127.0.0.1", rasa_port=5005, actions_port=5055, backend_port=8000, secrets=FAKE_SECRETS)
    )


def stack_env(service: str) -> dict[str, str]:
    """What scripts/stack.py gives this service beyond the environment it was started from."""
    env = getattr(default_stack(), f"{service}_env")()
    return {key: value for key, value in env.items() if os.environ.get(key) != value}


def unit_env(service: str) -> dict[str, str]:
    return service_environment(load(SERVICES[service]), FAKE_SECRETS)


# -- the units parse --------------------------------------------------------------------


def test_systemd_analyze_verifies_every_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here; test_units_parse_as_key_value_sections still ran")
    # The units as installed, but pointing at this checkout, so every ExecStart binary is checked too.
    paths = []
    for path in unit_files():
        text = path.read_text().replace(INSTALL_DIR, str(ROOT))
        instance = DEFAULT_INSTANCES.get(path.name)
        target = tmp_path / (path.name.replace("@.", f"@{instance}.") if instance else path.name)
        target.write_text(text)
        paths.append(str(target))
    done = subprocess.run([analyze, "verify", "--man=no", *paths], capture_output=True, text=True, timeout=120)
    # It exits 0 even for an unknown key or a bad value, and only says so: any word about our files fails.
    ours = [line for line in (done.stdout + done.stderr).splitlines() if str(tmp_path) in line or "feedback-" in line]
    assert done.returncode == 0 and not ours, done.stdout + done.stderr


def test_units_parse_as_key_value_sections() -> None:
    for path in unit_files():
        unit = read_unit(path)
        kind = {".service": "Service", ".timer": "Timer", ".target": None}[path.suffix]
        assert "Unit" in unit.sections, path.name
        assert kind is None or kind in unit.sections, path.name
        assert set(unit.sections) <= {"Unit", "Service", "Timer", "Install"}, path.name


# -- what runs ----------------------------------------------------------------------------


def test_exec_start_is_what_stack_py_runs() -> None:
    stack = default_stack()
    assert exec_start(load(SERVICES["backend"]), {}) == stack.backend_args()
    assert exec_start(load(SERVICES["actions"]), {}) == stack.actions_args()
    assert exec_start(load(SERVICES["rasa"]), unit_env("rasa")) == stack.rasa_args()
    assert exec_start(load("feedback-migrate.service"), {}) == [*stack.backend_args()[:-1], "migrate"]


def test_every_exec_start_module_exists() -> None:
    for name in [*SERVICES.values(), "feedback-migrate.service"]:
        argv = exec_start(load(name), unit_env("rasa"))
        assert Path(argv[0]).is_file(), f"{name}: {argv[0]} is missing (make setup builds the virtualenvs)"
        assert argv[1] == "-m", name
        module = argv[2] + (".__main__" if argv[2] == "backend" else "")
        assert importlib.util.find_spec(module) is not None, f"{name}: no module {module}"


def test_backend_has_the_subcommands_the_units_run(capsys: pytest.CaptureFixture[str]) -> None:
    from backend.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    commands = capsys.readouterr().out
    for name in ("feedback-backend@.service", "feedback-migrate.service"):
        assert exec_start(load(name), {})[3] in commands


def test_rasa_options_are_bot_serves_and_name_real_files() -> None:
    from bot.serve import parse_args

    argv = exec_start(load(SERVICES["rasa"]), unit_env("rasa"))
    args = parse_args(argv[3:])
    assert (ROOT / args.endpoints).is_file() and (ROOT / args.credentials).is_file()
    assert args.model == default_stack().config.model
    assert args.port == int(DEFAULT_INSTANCES[SERVICES["rasa"]])


def test_action_server_takes_the_port_option() -> None:
    argv = exec_start(load(SERVICES["actions"]), {})
    source = (ROOT / "bot/action_server.py").read_text()
    assert argv[3] == "--port" and '"--port"' in source


# -- environment --------------------------------------------------------------------------


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_gets_what_stack_py_gives_it(service: str) -> None:
    expected = stack_env(service)
    got = unit_env(service)
    # A variable bot/serve.py gives a default is optional; the quieting ones are checked below.
    optional = set(QUIET_RASA_ENV)
    if service == "rasa":
        import bot.serve

        optional |= set(getattr(bot.serve, "ENDPOINT_DEFAULTS", {}))
    missing = set(expected) - set(got) - optional
    assert not missing, f"{SERVICES[service]} lacks {sorted(missing)} (scripts/stack.py sets them)"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_gets_exactly_its_secrets(service: str) -> None:
    expected = {key for key in SECRET_KEYS if key in stack_env(service)}
    got = {key for key in SECRET_KEYS if key in unit_env(service)}
    assert got == expected


def test_the_action_server_holds_two_secrets_and_no_other_settings_file() -> None:
    unit = load(SERVICES["actions"])
    assert {key for key in SECRET_KEYS if key in unit_env("actions")} == ACTIONS_SECRETS
    files = {Path(path.lstrip("-")).name for path in unit.values("Service", "EnvironmentFile")}
    assert files == {"secrets.env", "actions.env"}  # not backend.env (SMTP password) nor rasa.env
    assert set(unit.words("Service", "UnsetEnvironment")) == set(SECRET_KEYS) - ACTIONS_SECRETS


def test_rasa_is_as_quiet_and_private_as_under_make_run() -> None:
    got = unit_env("rasa")
    assert {key: got.get(key) for key in QUIET_RASA_ENV} == QUIET_RASA_ENV


def _names_in(roots: list[str]) -> str:
    texts = []
    for root in roots:
        for path in (ROOT / root).rglob("*"):
            if path.suffix in {".py", ".yml", ".sh"} and path.is_file() and "training" not in path.parts:
                texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def _read_by(name: str, roots: list[str], unit: Unit) -> bool:
    if "${" + name + "}" in unit.one("Service", "ExecStart") or name in INTERPRETER:
        return True
    code = _names_in(roots)
    if any(form in code for form in (f'"{name}"', f"'{name}'", "${" + name)):
        return True
    if RASA_SITE is None or "bot" not in roots:
        return False
    if name in LIBRARY_READERS:
        return f'"{name}"' in (RASA_SITE / LIBRARY_READERS[name]).read_text()
    if name.startswith("SANIC_"):  # Sanic loads every SANIC_<setting> into app.config
        sanic = (RASA_SITE / "sanic/config.py").read_text()
        return 'SANIC_PREFIX = "SANIC_"' in sanic and f'"{name.removeprefix("SANIC_")}"' in sanic
    return False


@pytest.mark.parametrize("env_file", sorted(ENV_FILE_READERS))
def test_every_setting_in_the_env_files_is_read(env_file: str) -> None:
    unit_name, roots = ENV_FILE_READERS[env_file]
    unread = [name for name in read_env_file(ENV_DIR / env_file) if not _read_by(name, roots, load(unit_name))]
    assert not unread, f"deploy/env/{env_file} sets {unread}, which nothing in {roots} reads"


@pytest.mark.parametrize("unit_name", sorted(UNIT_READERS))
def test_every_variable_a_unit_sets_is_read(unit_name: str) -> None:
    unit = load(unit_name)
    unread = [name for name in environment_assignments(unit) if not _read_by(name, UNIT_READERS[unit_name], unit)]
    assert not unread, f"{unit_name} sets {unread}, which nothing in {UNIT_READERS[unit_name]} reads"


def test_the_port_is_the_instance_not_a_setting() -> None:
    assert "BACKEND_PORT" not in read_env_file(ENV_DIR / "backend.env")
    assert environment_assignments(load(SERVICES["backend"]))["BACKEND_PORT"] == DEFAULT_INSTANCES[SERVICES["backend"]]


# -- the services find each other and can write where they keep data ------------------------


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None, url
    return port


def _inside(path: str, unit_name: str) -> bool:
    return any(path == d or path.startswith(d + "/") for d in state_directories(load(unit_name)))


def _sqlite_path(url: str) -> str:
    return "/" + url.split(":///", 1)[1].lstrip("/")


def test_the_services_point_at_each_other() -> None:
    backend, actions, rasa = unit_env("backend"), unit_env("actions"), unit_env("rasa")
    actions_port = exec_start(load(SERVICES["actions"]), {})[4]
    assert rasa["ACTION_SERVER_URL"] == f"http://127.0.0.1:{actions_port}/webhook"
    backend_url = f"http://127.0.0.1:{DEFAULT_INSTANCES[SERVICES['backend']]}"
    assert actions["BACKEND_URL"] == rasa["BACKEND_URL"] == backend_url
    assert backend["RASA_URL"] == f"http://{rasa['RASA_INTERFACE']}:{DEFAULT_INSTANCES[SERVICES['rasa']]}"
    health = exec_start(read_unit(UNIT_DIR / "feedback-healthcheck.service"), {})
    checked = dict(zip(health[2::2], health[3::2], strict=True))
    assert checked == {
        "--backend": backend_url,
        "--actions": f"http://127.0.0.1:{actions_port}",
        "--rasa": backend["RASA_URL"],
    }


def test_every_data_file_is_in_a_writable_folder_of_each_unit_that_writes_it() -> None:
    backend, actions, rasa = unit_env("backend"), unit_env("actions"), unit_env("rasa")
    database = _sqlite_path(backend["DATABASE_URL"])
    for unit_name in ("feedback-backend@.service", "feedback-migrate.service", "feedback-backup.service"):
        assert _inside(database, unit_name), unit_name
    # One tracker store: Rasa writes it, the backend's retention job deletes from it.
    tracker = _sqlite_path(backend["RASA_TRACKER_URL"])
    assert tracker == rasa["RASA_TRACKER_DB"]
    assert _inside(tracker, SERVICES["rasa"]) and _inside(tracker, SERVICES["backend"])
    # One outbox: the action server's, and Rasa's own actions' while the action server is down.
    assert actions["OUTBOX_DIR"] == rasa["OUTBOX_DIR"]
    assert _inside(actions["OUTBOX_DIR"], SERVICES["actions"]) and _inside(rasa["OUTBOX_DIR"], SERVICES["rasa"])
    backup = environment_assignments(load("feedback-backup.service"))["BACKUP_DIR"]
    assert backup in load("feedback-backup.service").words("Service", "ReadWritePaths")


# -- supervision and sandbox ---------------------------------------------------------------


@pytest.mark.parametrize("unit_name", OUR_CODE)
def test_our_code_runs_private_and_sandboxed(unit_name: str) -> None:
    unit = load(unit_name)
    expected = {
        "User": "feedback-bot",
        "WorkingDirectory": INSTALL_DIR,
        "UMask": "0077",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "StateDirectoryMode": "0700",
    }
    assert {key: unit.one("Service", key) for key in expected} == expected
    for path in unit.values("Service", "EnvironmentFile"):
        assert path.startswith("/etc/feedback-bot/"), "settings files are required: no '-' prefix"


@pytest.mark.parametrize("unit_name", sorted(SERVICES.values()))
def test_services_restart_with_back_off(unit_name: str) -> None:
    unit = load(unit_name)
    assert unit.one("Service", "Restart") == "always"
    assert re.fullmatch(r"\d+s", unit.one("Service", "RestartSec"))
    assert int(unit.one("Unit", "StartLimitBurst")) >= 3
    assert int(unit.one("Unit", "StartLimitIntervalSec")) > 0
    assert unit.one("Unit", "PartOf") == "feedback-bot.target"
    assert unit.one("Install", "WantedBy") == "feedback-bot.target"
    # A unit that used up its start limit is started again later by feedback-revive.
    revive = load("feedback-revive.service").one("Service", "ExecStart")
    patterns = re.findall(r'"(feedback-[^"]+)"|(feedback-[\w@.-]+\.service)', revive)
    instance = unit_name.replace("@.", "@5005.")
    assert any(fnmatch.fnmatch(instance, p or q) for p, q in patterns), f"feedback-revive skips {unit_name}"


def test_start_order() -> None:
    rasa, backend, migrate = load(SERVICES["rasa"]), load(SERVICES["backend"]), load("feedback-migrate.service")
    assert "feedback-actions.service" in rasa.words("Unit", "After")
    assert "feedback-migrate.service" in backend.words("Unit", "After")
    assert "feedback-migrate.service" in backend.words("Unit", "Wants")
    assert migrate.one("Service", "Type") == "oneshot"
    assert migrate.one("Service", "Restart") == "on-failure"  # waits out a database that is not up yet
    for unit in (backend, migrate, rasa):
        assert "postgresql.service" in unit.words("Unit", "After"), unit.name


def test_every_timer_has_its_service_and_the_scripts_are_executable() -> None:
    for timer in UNIT_DIR.glob("*.timer"):
        assert (UNIT_DIR / timer.name.replace(".timer", ".service")).is_file(), timer.name
        assert read_unit(timer).one("Install", "WantedBy") == "timers.target"
    backup = exec_start(load("feedback-backup.service"), {})[0]
    assert os.access(backup, os.X_OK), f"{backup} must be executable (it is ExecStart itself)"
