"""scripts/benchmark.py's closed loop against a real local webhook: what it counts is what happened.

A small aiohttp server plays the bot (the real stacks take minutes to start; `make benchmark`
runs them). It ends the run itself once enough conversations are finished, so nothing here
depends on how fast this machine is.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from aiohttp import web

from scripts.benchmark import Target, always, closed_loop, complaint, parse_args, percentile

SCRIPT = ["hello", "/deny", "send it"]
FINISHED_TO_STOP = 6  # conversations whose last message arrived, then the server ends the run
REFUSED = 2  # the first two "/deny"s get 429, as the rate limit would answer


class FakeBot:
    """Answers the REST webhook and remembers each request: who sent it, from where, in what order."""

    def __init__(self) -> None:
        self.stop = asyncio.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self.steps: dict[str, list[str]] = defaultdict(list)  # sender -> messages, in order
        self.addresses: dict[str, set[str]] = defaultdict(set)  # sender -> client addresses
        self.refused: list[str] = []
        self.finished = 0

    async def webhook(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        sender, message = body["sender"], body["message"]
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # let the other children's requests interleave with this one
            self.steps[sender].append(message)
            self.addresses[sender].add(request.remote or "")
            if message == "/deny" and len(self.refused) < REFUSED:
                self.refused.append(sender)
                return web.json_response({"error": "slow down"}, status=429)
            if message == SCRIPT[-1]:
                self.finished += 1
                if self.finished >= FINISHED_TO_STOP:
                    self.stop.set()
                return web.json_response([{"text": "Your reference is CMP-AAAA-22."}])
            return web.json_response([{"text": "OK"}])
        finally:
            self.in_flight -= 1


async def test_the_closed_loop_counts_turns_errors_and_finished_conversations(aiohttp_server: Any) -> None:
    bot = FakeBot()
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", bot.webhook)
    server = await aiohttp_server(app)
    target = Target(
        name="fake",
        webhook=str(server.make_url("/webhooks/rest/webhook")),
        headers={},
        scripts={"conversation": always(SCRIPT)},
        done_marker={"conversation": "reference"},
    )

    m = await closed_loop(target, "conversation", children=3, warmup=0, seconds=120, stop=bot.stop)

    assert bot.in_flight == 0  # every child's last message was answered before it returned
    assert bot.most_in_flight <= 3  # one message at a time per child: a closed loop
    assert m.errors == {"429": REFUSED}
    for sender in bot.refused:  # a refused conversation is left, not continued out of step
        assert bot.steps[sender] == SCRIPT[:2]
    for sender, steps in bot.steps.items():  # in order, each from one address of its own
        assert steps == SCRIPT[: len(steps)]
        assert len(bot.addresses[sender]) == 1
    addresses = set().union(*bot.addresses.values())
    assert len(addresses) <= 3 and "127.0.0.1" not in addresses  # one per child, none shared
    assert m.scripted == bot.finished >= FINISHED_TO_STOP and m.unscripted == 0
    assert sum(t.last for t in m.turns) == bot.finished
    assert len(m.turns) == sum(len(s) for s in bot.steps.values()) - REFUSED


def test_every_complaint_is_worded_differently_and_keeps_the_script_shape() -> None:
    conversations = [complaint(k) for k in range(2000)]
    assert len({c[0] for c in conversations}) == 2000  # the detector's memory cannot answer for it
    assert all(len(c) == 7 and c[-1] == "/affirm" for c in conversations)


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile([7.0], 0.95) == 7.0


def test_options_choose_the_bots_and_the_loads() -> None:
    args = parse_args(["--only", "product,init", "--loads", "1,10"])
    assert args.only == ["product", "init"] and args.loads == [1, 10]
