"""`make run`: start all three services under supervisord, print where to go, stop them on Ctrl-C.

A service that crashes is restarted by supervisord (with back-off if it keeps
failing); the others keep running, so the chat and safeguarding stay up.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.scaled import ScaledStack
from scripts.stack import StackConfig
from scripts.supervision import SupervisedStack

# Printed once the stack is up; tests/backend/test_first_account.py runs exactly this, from a copy of the folder.
FIRST_ACCOUNT_COMMAND = ".venv/backend/bin/python -m backend users create --role manager --username YOURNAME"


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def scaled_stack(config: StackConfig, replicas: int) -> ScaledStack:
    """`make run-scaled`: REPLICAS of each service behind nginx on the usual ports; each replica on the next ones."""
    ports = []
    for i in range(1, replicas + 1):
        ports += [config.backend_port + i, config.actions_port + i, config.rasa_port + i]
    return ScaledStack.on_ports(config, ports, "feedback_scaled")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="start the product (make run, make run-scaled)")
    parser.add_argument("--replicas", type=int, default=0, help="N of each service behind nginx (0: one of each)")
    args = parser.parse_args(argv)
    config = StackConfig.from_env()
    stack: SupervisedStack | ScaledStack = (
        scaled_stack(config, args.replicas) if args.replicas else SupervisedStack(config)
    )
    # Treat SIGTERM like Ctrl-C so a supervisor can stop us cleanly too.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        what = f"{args.replicas} of each service behind nginx" if args.replicas else "backend, action server and Rasa"
        print(f"==> starting {what} (Rasa takes about 30 s to load)...")
        stack.start()
        print(
            "\n"
            f"  Chat page (for the tablet):  {config.rasa_url}/chat/\n"
            f"  Tablet set-up page (staff):  {config.rasa_url}/chat/setup\n"
            f"  Staff pages and API:         {config.backend_url}/staff/  (API: {config.backend_url}/api/v1/)\n"
            f"  Rasa HTTP API:               {config.rasa_url}/model/parse?token=$RASA_AUTH_TOKEN"
            " (from var/secrets.env)\n"
            f"  Tablet set-up code:          {config.secrets.get('TABLET_SETUP_CODE', '(not set)')}\n"
            "\n"
            f"  First staff account:  {FIRST_ACCOUNT_COMMAND}\n"
            "  (run it in another terminal from this folder; it asks for a password;\n"
            '   add --display-name "Sam T" for the name children see in a chat)\n'
            "\n"
            "A service that stops is restarted by itself. Press Ctrl-C to stop them all.\n",
            flush=True,
        )
        while stack.supervisor_alive():
            time.sleep(1)
        print(f"!! supervisord stopped unexpectedly (exit code {stack.supervisord.returncode})")
        return 1
    except KeyboardInterrupt:
        print("\n==> stopping...")
        return 0
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as exc:
        print(f"!! could not start: {exc}")
        return 1
    finally:
        stack.stop()
        print("==> all services stopped")


if __name__ == "__main__":
    sys.exit(main())
