"""`python -m backend demo-data --like-seed-report` and `python -m backend report`, as staff run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.__main__ import main
from backend.db import migrate

ROOT = Path(__file__).resolve().parents[3]


def _run(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backend", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _main(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> None:
    """The same command in this process (quicker: matplotlib is loaded once)."""
    monkeypatch.setenv("DATABASE_URL", url)
    umask = os.umask(0o022)
    try:
        main(list(args))
    finally:
        os.umask(umask)


def test_demo_data_fills_an_empty_database_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}"
    migrate(url)
    _main(monkeypatch, url, "demo-data", "--like-seed-report", "--year-start", "2025-04-01")
    said = capsys.readouterr().out
    assert "1 April 2025 to 31 March 2026: 111 complaints, 28 informal complaints, 19 comments, 37 compliments" in said
    assert "created 6 homes" in said
    with pytest.raises(SystemExit) as exited:
        _main(monkeypatch, url, "demo-data", "--like-seed-report")
    assert exited.value.code == 2
    assert "already holds 195 submission(s)" in capsys.readouterr().err


def test_the_pdf_is_written_to_a_file(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    done = _run(demo_url, "report", "--from", "2025-04-01", "--to", "2026-03-31", "--format", "pdf", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "2025/26 written to" in done.stdout
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF") and len(data) > 40_000


def test_html_and_csv(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "report.html"
    _main(monkeypatch, demo_url, "report", "--from", "2025-04-01", "--to", "2026-03-31", "--out", str(page))
    html = page.read_text()
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert html.count('src="data:image/svg+xml;base64,') == 7
    assert "44.1%" in html and "19.8%" in html
    _main(monkeypatch, demo_url, "report", "--from", "2025-04-01", "--to", "2026-03-31", "--format", "csv")
    csv = capsys.readouterr().out
    assert "Complaints,111,104,111" in csv.replace("\r", "").split("\n")
    assert "Within 10 working days,49,44.1%" in csv
    assert "Home 6,fewer than 5,fewer than 5,fewer than 5,fewer than 5" in csv


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--from", "2025-02-30", "--to", "2026-03-31"), "the from date must be a date written YYYY-MM-DD"),
        (("--from", "2026-04-01", "--to", "2025-03-31"), "the 'to' date is before the 'from' date"),
        (("--from", "2025-04-01", "--to", "2026-03-31", "--format", "pdf"), "a PDF needs --out FILE"),
        (("--from", "2025-04-01", "--to", "2026-03-31", "--home", "nowhere"), "unknown home: nowhere"),
    ],
)
def test_bad_input_exits_2_with_the_reason(
    demo_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    says: str,
) -> None:
    with pytest.raises(SystemExit) as exited:
        _main(monkeypatch, demo_url, "report", *args)
    assert exited.value.code == 2
    assert says in capsys.readouterr().err
