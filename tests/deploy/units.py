"""Reading deploy/systemd/ and deploy/env/ as systemd would, for the drift tests.

Only what the tests need of systemd's rules: [Section] Key=value lines, repeated keys
kept in order, `#`/`;` comments, backslash continuation, %i for a template's instance,
Environment= before EnvironmentFile= (the files win), UnsetEnvironment= applied last.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNIT_DIR = ROOT / "deploy/systemd"
ENV_DIR = ROOT / "deploy/env"
INSTALL_DIR = "/opt/feedback-bot"
CONFIG_DIR = "/etc/feedback-bot"
STATE_ROOT = "/var/lib"
# The instance each template runs as in the shipped configs (nginx upstreams, env files, health check).
DEFAULT_INSTANCES = {"feedback-backend@.service": "8000", "feedback-rasa@.service": "5005"}


@dataclass(frozen=True)
class Unit:
    name: str
    sections: dict[str, dict[str, list[str]]]

    def values(self, section: str, key: str) -> list[str]:
        return self.sections.get(section, {}).get(key, [])

    def one(self, section: str, key: str) -> str:
        found = self.values(section, key)
        assert len(found) == 1, f"{self.name}: expected one {key}= in [{section}], found {found}"
        return found[0]

    def words(self, section: str, key: str) -> list[str]:
        return [word for value in self.values(section, key) for word in value.split()]


def read_unit(path: Path, instance: str | None = None) -> Unit:
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    pending = ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}: {line!r} is outside any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not Key=value"
        if instance is not None:
            value = value.replace("%i", instance)
        current.setdefault(key.strip(), []).append(value.strip())
    return Unit(path.name, sections)


def unit_files() -> list[Path]:
    return sorted(p for p in UNIT_DIR.iterdir() if p.suffix in {".service", ".timer", ".target"})


def load(name: str) -> Unit:
    return read_unit(UNIT_DIR / name, DEFAULT_INSTANCES.get(name))


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile= reads them (our files use no quoting)."""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and line[0] not in "#;":
            key, sep, value = line.partition("=")
            assert sep, f"{path.name}: {line!r} is not KEY=value"
            values[key.strip()] = value.strip()
    return values


def environment_assignments(unit: Unit) -> dict[str, str]:
    """What the unit's own Environment= lines set."""
    values: dict[str, str] = {}
    for value in unit.values("Service", "Environment"):
        for word in shlex.split(value):
            key, _, val = word.partition("=")
            values[key] = val
    return values


def env_file_stand_in(path: str, secrets: dict[str, str]) -> dict[str, str]:
    """An EnvironmentFile= as installed: secrets.env from make_secrets.sh, the rest from deploy/env/."""
    name = Path(path.lstrip("-")).name
    assert path.lstrip("-").startswith(CONFIG_DIR + "/"), f"{path}: settings live in {CONFIG_DIR}"
    if name == "secrets.env":
        return dict(secrets)
    return read_env_file(ENV_DIR / name)


def service_environment(unit: Unit, secrets: dict[str, str]) -> dict[str, str]:
    """The environment the unit's process gets (before systemd's own variables such as HOME)."""
    env = environment_assignments(unit)
    for path in unit.values("Service", "EnvironmentFile"):
        env.update(env_file_stand_in(path, secrets))
    for name in unit.words("Service", "UnsetEnvironment"):
        env.pop(name, None)
    return env


def exec_start(unit: Unit, env: dict[str, str]) -> list[str]:
    """ExecStart= as argv, with ${VAR} expanded and the install folder mapped onto this checkout."""
    argv = []
    for word in shlex.split(unit.one("Service", "ExecStart")):
        for key, value in env.items():
            word = word.replace("${" + key + "}", value)
        argv.append(word.replace(INSTALL_DIR, str(ROOT)))
    return argv


def state_directories(unit: Unit) -> list[str]:
    return [f"{STATE_ROOT}/{name}" for name in unit.words("Service", "StateDirectory")]
