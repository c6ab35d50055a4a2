"""The anonymity audit: an anonymous complaint, then "talk to a person", then every store searched.

What the child is promised: the access code exists only as the argon2 hash in the
submission (and in the one reply that gave it to the child); the reference and the
child's own words are in the submission, and nowhere a member of staff or another
process could link them to this conversation: not in an alert, not in the outbox,
not in any service's log, not in the tracker store in plain text (the conversation
there keeps the child's words until the retention job purges it, but no code and no
reference). Every byte of every file the services wrote is searched, not only the
tables we expect to hold something.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import RunningStack, texts

pytestmark = pytest.mark.single_stack  # the one-machine stack's files and service names

REFERENCE = re.compile(r"\b(CMP|CMT|THX)-[2-9A-Z]{4}-[2-9A-Z]{2}\b")
CODE = re.compile(r"your code is ([2-9A-Z]{6})")
# The child's own sentence, with words no other test uses so a hit can only be this one.
SENTENCE = "the wifi in the games room has been broken since the purple bus trip"


def _make_anonymous_complaint(stack: RunningStack, sender: str) -> str:
    stack.say(sender, "hi")
    stack.say(sender, f"i want to complain, {SENTENCE}")
    answers = {
        "anything else": "/deny",
        "happen": "fix the wifi please",
        "who you are": "/stay_anonymous",
    }
    stack.answer_until_summary(sender, stack.say(sender, "/affirm"), answers)
    return texts(stack.say(sender, "/affirm"))


def _files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def _where(needle: str, files: list[Path]) -> list[str]:
    """Every file whose bytes hold the needle, in any case."""
    found = []
    for path in files:
        data = path.read_bytes()
        if needle.encode() in data or needle.upper().encode() in data.upper():
            found.append(path.name)
    return found


def _sqlite_cells(db: Path, needle: str) -> list[str]:
    """table.column of every text cell holding the needle."""
    hits = []
    with sqlite3.connect(db) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                query = f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE ?'  # noqa: S608
                if conn.execute(query, (f"%{needle}%",)).fetchone()[0]:
                    hits.append(f"{table}.{column}")
    return hits


def _wait_for_alert(stack: RunningStack, sender: str) -> sqlite3.Row:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = stack.rows("SELECT * FROM alerts WHERE conversation_id = ?", sender)
        if rows:
            return rows[0]
        time.sleep(0.2)
    raise AssertionError("the person request never reached the backend")


def test_an_anonymous_complaint_cannot_be_linked_to_the_child_anywhere(stack: RunningStack) -> None:
    sender = stack.new_sender()
    receipt = _make_anonymous_complaint(stack, sender)
    reference = REFERENCE.search(receipt)
    code = CODE.search(receipt)
    assert reference and code, receipt
    reference_text, code_text = reference.group(0), code.group(1)

    stack.say(sender, "/deny")  # no advocate, thanks
    replies = texts(stack.say(sender, "can i talk to a real person"))
    # Told before anyone joins what the person will and will not see.
    assert "read this chat" in replies
    assert "won't see anything you sent anonymously" in replies
    alert = _wait_for_alert(stack, sender)

    # The submission holds the words and the reference, and no link to this conversation.
    (submission,) = stack.rows("SELECT * FROM submissions WHERE reference = ?", reference_text)
    assert SENTENCE in submission["what_happened"]
    assert submission["conversation_id"] is None and submission["first_name"] is None
    assert submission["access_code_hash"].startswith("$argon2")

    # The alert a person reads carries what came after the anonymous part, nothing before it.
    for column in ("message", "preceding_turns"):
        value = str(alert[column] or "")
        assert "purple bus trip" not in value and reference_text not in value and code_text not in value

    # The access code: nowhere at all, in any file any service wrote, logs included.
    files = _files_under(stack.data_dir) + _files_under(stack.stack.config.log_dir)
    assert files, "nothing was searched"
    assert _where(code_text, files) == []

    # The reference: only in the backend's own records of the submission.
    assert _where(reference_text, [f for f in files if f.name != "backend.sqlite3"]) == []
    backend_cells = _sqlite_cells(stack.database_path, reference_text)
    assert backend_cells and all(cell.startswith(("submissions.", "audit")) for cell in backend_cells), backend_cells

    # The child's sentence: in the submission, and in the conversation itself (until purged);
    # never in an alert, the outbox or a log.
    assert set(_sqlite_cells(stack.database_path, "purple bus trip")) == {"submissions.what_happened"}
    outside = [f for f in files if f.name not in ("backend.sqlite3", "tracker.sqlite3")]
    assert _where("purple bus trip", outside) == []
