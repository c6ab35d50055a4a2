"""Nowhere to send it: the child is told staff will pass it on (and the phone number), staff see it as not told."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.advocacy import Provider, what_happens_next
from backend.app import create_app
from backend.config import Settings
from backend.staff.models import Home
from tests.backend.advocacy_notice.support import ask, notices, request_row
from tests.backend.conftest import login, submit

Client = Callable[..., Awaitable[TestClient]]
PROVIDER = Provider("Speak Up Advocacy", "0800 000 1234", None)


async def test_without_an_address_nothing_is_queued_and_the_child_is_told_staff_will_pass_it_on(
    settings: Settings,
    aiohttp_client: Client,
    service_headers: dict[str, str],
    db: async_sessionmaker,
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    client = await aiohttp_client(create_app(dataclasses.replace(settings, advocacy_provider_phone="0800 000 1234")))
    created = await submit(client, service_headers)
    receipt = await ask(client, service_headers, reference=created["reference"], consent_to_share=True)
    assert receipt["provider_notice"] == "not_configured"
    words = receipt["what_happens_next"]
    assert words.startswith(
        "I couldn't send your request to the local advocacy service myself, so a member of staff will pass it on. "
        "You can also phone them yourself on 0800 000 1234."
    )
    assert "We have asked" not in words and "get in touch" not in words
    assert "You said they can see your complaint, so staff will pass that on too." in words
    assert await notices(db) == []
    row = await request_row(db, receipt["id"])
    assert (row.provider_notice, row.provider_notice_error) == (
        "not_configured",
        "no email address or webhook is configured for this provider",
    )
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    page = await (await client.get(f"/staff/cases/{created['reference']}")).text()
    assert "not configured" in page and "not told: pass it on yourself" in page
    assert "no email address or webhook is configured for this provider" in page


async def test_a_homes_own_email_without_a_mail_server_is_not_configured_and_says_why(
    settings: Settings, aiohttp_client: Client, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    async with db() as session:
        home = Home(code="home-1", name="Oak House", advocacy_name="Coram Voice", advocacy_email="a@coram.example")
        session.add(home)
        await session.commit()
    # A webhook for the default provider is never used for a home with a provider of its own.
    both = dataclasses.replace(settings, advocacy_provider_webhook_url="http://127.0.0.1:9/never")
    client = await aiohttp_client(create_app(both))
    receipt = await ask(client, service_headers)
    assert receipt["provider_notice"] == "not_configured"
    assert receipt["what_happens_next"].startswith("I couldn't send your request to Coram Voice myself")
    row = await request_row(db, receipt["id"])
    assert row.provider_notice_error == (
        "the provider's address is a@coram.example, but no mail server is configured (SMTP_HOST)"
    )
    assert await notices(db) == []


def test_the_child_is_told_we_have_asked_only_when_a_notice_is_on_its_way() -> None:
    queued = what_happens_next(PROVIDER, notice="pending", anonymous=False, linked=False, consent=False)
    assert queued == (
        "We have asked Speak Up Advocacy to get in touch with you. This usually starts within a few days. "
        "An advocate is on your side. They can help you say what you want."
    )
    for anonymous in (False, True):
        for linked, consent in ((False, False), (True, False), (True, True)):
            words = what_happens_next(
                PROVIDER, notice="not_configured", anonymous=anonymous, linked=linked, consent=consent
            )
            assert "We have asked" not in words and "get in touch" not in words
            assert "a member of staff will pass it on" in words and "0800 000 1234" in words
    without_phone = Provider("Speak Up Advocacy", None, None)
    words = what_happens_next(without_phone, notice="not_configured", anonymous=True, linked=False, consent=False)
    assert words == (
        "I couldn't send your request to Speak Up Advocacy myself, so a member of staff will pass it on. "
        "An advocate is on your side. They can help you say what you want. "
        "You stayed anonymous, so they won't know your name. An adult you trust can help you meet them."
    )


def test_the_childs_sentences_stay_short() -> None:
    """Reading age about 9: no sentence longer than 20 words in any version."""
    for notice in ("pending", "not_configured"):
        for anonymous in (False, True):
            for linked, consent in ((False, False), (True, False), (True, True)):
                text = what_happens_next(PROVIDER, notice=notice, anonymous=anonymous, linked=linked, consent=consent)
                sentences = [s for s in text.replace(":", ".").split(". ") if s]
                assert max(len(s.split()) for s in sentences) <= 20, text
