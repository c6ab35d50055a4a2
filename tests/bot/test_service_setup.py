"""Secrets and file permissions around the three services (scripts/make_secrets.sh,
scripts/stack.py, bot/serve.py): what another local account or an older install would meet."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from bot.service_secrets import MissingSecretError, read_secret
from scripts.stack import RASA_PY, ROOT, SECRET_KEYS, Stack, StackConfig, make_private_dir, read_env_file

MAKE_SECRETS = ROOT / "scripts/make_secrets.sh"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def make_secrets(path: Path) -> subprocess.CompletedProcess[str]:
    # Run as `make setup` does, from a shell whose umask lets everyone read new files.
    return subprocess.run(
        ["bash", "-c", f'umask 022 && "{MAKE_SECRETS}" "{path}"'], capture_output=True, text=True, check=True
    )


# -- scripts/make_secrets.sh ----------------------------------------------------------------


def test_first_setup_writes_every_secret_private(tmp_path: Path) -> None:
    secrets_file = tmp_path / "var/secrets.env"
    result = make_secrets(secrets_file)
    values = read_env_file(secrets_file)
    assert set(values) == set(SECRET_KEYS)
    assert mode(secrets_file) == 0o600 and mode(secrets_file.parent) == 0o700
    assert all(len(values[key]) >= 43 for key in SECRET_KEYS if key != "TABLET_SETUP_CODE")
    assert values["TABLET_SETUP_CODE"].isdigit() and len(values["TABLET_SETUP_CODE"]) == 6
    assert values["ACTION_SERVER_TOKEN"] != values["RASA_AUTH_TOKEN"]
    assert "added" in result.stdout


def test_an_older_install_gets_the_missing_keys_and_keeps_its_own(tmp_path: Path) -> None:
    secrets_file = tmp_path / "secrets.env"
    # What the previous make_secrets.sh wrote, left readable by an older version, no final newline.
    secrets_file.write_text("# old\nSERVICE_TOKEN=kept-service\nRASA_AUTH_TOKEN=kept-rasa\nTABLET_SETUP_CODE=135790")
    secrets_file.chmod(0o644)
    result = make_secrets(secrets_file)
    values = read_env_file(secrets_file)
    assert values["SERVICE_TOKEN"] == "kept-service"
    assert values["RASA_AUTH_TOKEN"] == "kept-rasa"
    assert values["TABLET_SETUP_CODE"] == "135790"
    assert len(values["ACTION_SERVER_TOKEN"]) >= 43 and len(values["TABLET_TOKEN_KEY"]) >= 43
    assert result.stdout.strip() == f"==> added ACTION_SERVER_TOKEN TABLET_TOKEN_KEY to {secrets_file}"
    assert mode(secrets_file) == 0o600


def test_running_it_again_changes_nothing_and_says_nothing(tmp_path: Path) -> None:
    secrets_file = tmp_path / "secrets.env"
    make_secrets(secrets_file)
    before = secrets_file.read_text()
    assert make_secrets(secrets_file).stdout == ""
    assert secrets_file.read_text() == before


# -- scripts/stack.py -----------------------------------------------------------------------


def test_an_older_var_folder_is_tightened(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "outbox").mkdir(parents=True)
    files = [var / "backend.sqlite3", var / "secrets.env", var / "outbox/alerts.sqlite3"]
    for file in files:
        file.write_text("x")
        file.chmod(0o644)
    var.chmod(0o755)
    (var / "outbox").chmod(0o755)
    make_private_dir(var)
    assert mode(var) == 0o700 and mode(var / "outbox") == 0o700
    assert [mode(file) for file in files] == [0o600] * 3


def test_a_new_var_folder_is_700(tmp_path: Path) -> None:
    make_private_dir(tmp_path / "fresh/var")
    assert mode(tmp_path / "fresh/var") == 0o700


def test_every_secret_in_the_environment_reaches_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in SECRET_KEYS:
        monkeypatch.setenv(key, f"from-env-{key}")
    secrets = StackConfig.from_env().secrets
    assert {key: secrets[key] for key in SECRET_KEYS} == {key: f"from-env-{key}" for key in SECRET_KEYS}


def test_the_stack_will_not_start_without_the_new_secrets(tmp_path: Path) -> None:
    config = StackConfig(secrets={"SERVICE_TOKEN": "s" * 43, "RASA_AUTH_TOKEN": "r" * 43}, data_dir=tmp_path / "var")
    with pytest.raises(RuntimeError, match="ACTION_SERVER_TOKEN: run `make setup`"):
        Stack(config).start()
    assert not (tmp_path / "var").exists()  # refused before anything was created


def test_rasa_gets_its_token_from_the_environment_not_the_command_line() -> None:
    token = "t" * 43
    stack = Stack(StackConfig(host="0.0.0.0", secrets={"RASA_AUTH_TOKEN": token}))  # noqa: S104
    assert token not in " ".join(stack.rasa_args())
    assert stack.rasa_env()["RASA_AUTH_TOKEN"] == token


# -- bot/serve.py and bot/service_secrets.py ------------------------------------------------


def test_rasa_refuses_to_start_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASA_AUTH_TOKEN")}
    result = subprocess.run(
        [str(RASA_PY), "-m", "bot.serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "RASA_AUTH_TOKEN is not set" in result.stderr


def test_a_secret_can_come_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("f" * 43 + "\n")
    assert read_secret("RASA_AUTH_TOKEN", {"RASA_AUTH_TOKEN_FILE": str(tmp_path / "token")}) == "f" * 43


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({}, "RASA_AUTH_TOKEN is not set"),
        ({"RASA_AUTH_TOKEN": "  "}, "RASA_AUTH_TOKEN is not set"),
        ({"RASA_AUTH_TOKEN": "short"}, "at least 32 characters"),
        ({"RASA_AUTH_TOKEN_FILE": "/nonexistent/token"}, "cannot be read"),
    ],
)
def test_a_missing_or_weak_secret_is_refused(env: dict[str, str], reason: str) -> None:
    with pytest.raises(MissingSecretError, match=reason):
        read_secret("RASA_AUTH_TOKEN", env)


def test_the_backend_purges_the_tracker_store_this_stacks_rasa_writes(tmp_path: Path) -> None:
    stack = Stack(StackConfig(tracker_db=str(tmp_path / "tracker.sqlite3")))
    assert stack.rasa_env()["RASA_TRACKER_DB"] == str(tmp_path / "tracker.sqlite3")
    assert stack.backend_env()["RASA_TRACKER_URL"] == f"sqlite:///{tmp_path}/tracker.sqlite3"
