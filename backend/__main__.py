"""Command line: `python -m backend serve|migrate|users create`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys

from aiohttp import web

from backend.app import create_app
from backend.auth import ROLES, hash_password
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker, migrate
from backend.models import StaffUser


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password again: "):
            raise SystemExit("passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


async def _create_user(settings: Settings, username: str, role: str, password: str) -> None:
    engine = make_engine(settings.database_url)
    async with make_sessionmaker(engine)() as session:
        session.add(StaffUser(username=username, role=role, password_hash=hash_password(password)))
        await session.commit()
    await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m backend")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP server")
    sub.add_parser("migrate", help="bring the database schema up to date")
    users = sub.add_parser("users", help="manage staff accounts").add_subparsers(dest="action", required=True)
    create = users.add_parser("create", help="create a staff account (password from stdin or prompt)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    if args.command == "migrate":
        migrate(settings.database_url)
    elif args.command == "serve":
        web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    elif args.command == "users":
        password = _read_password()
        if len(password) < 12:
            raise SystemExit("use a password of at least 12 characters")
        asyncio.run(_create_user(settings, args.username, args.role, password))
        print(f"created {args.role} account {args.username!r}")


if __name__ == "__main__":
    main()
