"""Command line: `python -m backend serve|migrate|users create|reminders|purge|report|demo-data`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from pathlib import Path

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.engine import make_url

from backend.app import create_app
from backend.auth import ROLES, hash_password
from backend.config import Settings
from backend.db import assert_migrated, make_engine, make_sessionmaker, migrate
from backend.models import StaffUser
from backend.reports import cli as report_commands
from backend.staff.models import Home, HomeManager
from backend.staff.names import clean_display_name, default_display_name
from backend.timeutil import utcnow


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password again: "):
            raise SystemExit("passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


async def _create_user(
    settings: Settings,
    username: str,
    role: str,
    password: str,
    homes: list[str] | None = None,
    email: str | None = None,
    display_name: str | None = None,
) -> None:
    """Create the account; a manager is assigned to each --home (created with its code as name if new).

    Without a display name the account gets the role's plain name ("the home manager"), never the username.
    """
    engine = make_engine(settings.database_url)
    try:
        await assert_migrated(engine)
    except RuntimeError as exc:
        await engine.dispose()
        raise SystemExit(f"no staff account created: {exc}") from exc
    async with make_sessionmaker(engine)() as session:
        if await session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
            await engine.dispose()
            raise SystemExit(f"there is already an account called {username!r}; choose another username")
        user = StaffUser(
            username=username,
            role=role,
            password_hash=hash_password(password),
            email=email,
            display_name=display_name or default_display_name(role),
        )
        session.add(user)
        await session.flush()
        for code in homes or []:
            home = await session.scalar(select(Home).where(Home.code == code))
            if home is None:
                home = Home(code=code, name=code)
                session.add(home)
                await session.flush()
            session.add(HomeManager(home_id=home.id, staff_user_id=user.id))
        await session.commit()
    await engine.dispose()


async def _reminders(settings: Settings) -> None:
    from backend.reminders.job import send_reminders

    engine = make_engine(settings.database_url)
    await assert_migrated(engine)
    sent = await send_reminders(make_sessionmaker(engine), settings, utcnow())
    await engine.dispose()
    print(f"reminders: {len(sent)} staff member(s) had overdue or due-soon cases or open concerns")


async def _purge(settings: Settings) -> None:
    from backend.retention.job import purge

    engine = make_engine(settings.database_url)
    await assert_migrated(engine)
    report = await purge(make_sessionmaker(engine), settings, utcnow())
    await engine.dispose()
    print(f"purge: deleted {report}")


def _owner_only(database_url: str) -> None:
    """A SQLite file made before the umask below existed may be readable by every local account."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        for path in (Path(url.database), *Path(url.database).parent.glob(Path(url.database).name + "-*")):
            if path.exists():
                path.chmod(0o600)


def main(argv: list[str] | None = None) -> None:
    # Everything the backend creates from here on (var/, the database and its journal) is for
    # this account only: directories 700, files 600.
    os.umask(0o077)
    parser = argparse.ArgumentParser(prog="python -m backend")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP server")
    sub.add_parser("migrate", help="bring the database schema up to date")
    users = sub.add_parser("users", help="manage staff accounts").add_subparsers(dest="action", required=True)
    create = users.add_parser("create", help="create a staff account (password from stdin or prompt)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument(
        "--home", action="append", default=[], help="home code a manager looks after (repeat for several)"
    )
    create.add_argument("--email", help="where the daily reminder is sent")
    create.add_argument(
        "--display-name",
        help='what children see in a chat, e.g. "Sam T" (default: the role, e.g. "the home manager"; '
        "never the username)",
    )
    sub.add_parser("reminders", help="send today's overdue/due-soon reminders now (the server also runs it daily)")
    sub.add_parser(
        "purge", help="delete conversations, transcripts and login records whose time is up (the server runs it daily)"
    )
    # The annual report and its demo data (backend/reports/cli.py).
    report_commands.add_commands(sub)
    args = parser.parse_args(argv)
    period = report_commands.check(args, parser)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Only the server checks the action server's calls, so only `serve` needs SERVICE_TOKEN: the
    # first-account command `make run` prints works in a plain terminal, without the secrets file.
    settings = Settings.from_env(need_service_token=args.command == "serve")
    _owner_only(settings.database_url)
    if args.command == "migrate":
        migrate(settings.database_url)
    elif args.command == "serve":
        web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    elif args.command == "users":
        password = _read_password()
        if len(password) < 12:
            raise SystemExit("use a password of at least 12 characters")
        if args.home and args.role != "manager":
            raise SystemExit("--home is for managers (other roles see every home)")
        try:
            shown = clean_display_name(args.display_name) if args.display_name is not None else None
        except ValueError as exc:
            raise SystemExit(f"--display-name: {exc}") from exc
        if shown is not None and shown.casefold() == args.username.strip().casefold():
            raise SystemExit("--display-name: choose a name other than the username (children see it)")
        asyncio.run(_create_user(settings, args.username, args.role, password, args.home, args.email, shown))
        print(
            f"created {args.role} account {args.username!r}"
            + (f" for {', '.join(args.home)}" if args.home else "")
            + f", shown to children as {shown or default_display_name(args.role)!r}"
        )
    elif args.command == "reminders":
        asyncio.run(_reminders(settings))
    elif args.command == "purge":
        asyncio.run(_purge(settings))
    elif args.command in {"report", "demo-data"}:
        report_commands.run(settings, args, period)


if __name__ == "__main__":
    main()
