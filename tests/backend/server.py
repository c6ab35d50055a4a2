"""The real backend app served on a free loopback port from a background thread."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from typing import Any

from aiohttp import web

from backend.app import create_app
from backend.config import Settings


class BackendThread:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="backend-under-test", daemon=True)
        self.ready = threading.Event()
        self.runner: web.AppRunner | None = None
        self.url = ""
        self.error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.runner = web.AppRunner(create_app(self.settings))
            self.loop.run_until_complete(self.runner.setup())
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            self.loop.run_until_complete(site.start())
            host, port = self.runner.addresses[0][:2]
            self.url = f"http://{host}:{port}"
        except BaseException as exc:  # report start-up failures to the test thread
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        self.loop.run_forever()

    def start(self) -> BackendThread:
        self.thread.start()
        if not self.ready.wait(30) or self.error is not None:
            raise RuntimeError(f"backend did not start: {self.error}")
        return self

    def stop(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()

    def post_json(self, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - loopback URL built by this class
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310
            return json.loads(resp.read())
