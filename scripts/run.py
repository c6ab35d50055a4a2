"""`make run`: start all three services, print where to go, stop them on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.stack import Stack, StackConfig

# Printed once the stack is up; tests/backend/test_first_account.py runs exactly this, from a copy of the folder.
FIRST_ACCOUNT_COMMAND = ".venv/backend/bin/python -m backend users create --role manager --username YOURNAME"


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    config = StackConfig.from_env()
    stack = Stack(config)
    # Treat SIGTERM like Ctrl-C so a supervisor can stop us cleanly too.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        print("==> starting backend, action server and Rasa (Rasa takes about 30 s to load)...")
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
            "Press Ctrl-C to stop all three services.\n",
            flush=True,
        )
        while True:
            for name, proc in list(stack.processes.items()):
                if proc.poll() is not None:
                    print(f"!! {name} stopped unexpectedly (exit code {proc.returncode}); stopping the rest")
                    return 1
            time.sleep(1)
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
