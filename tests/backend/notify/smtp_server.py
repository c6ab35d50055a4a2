"""The tests' one fake mail server: a small but real SMTP server (RFC 5321 subset) on a loopback port.

It speaks enough SMTP for aiosmtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
`fail_first` makes the first N MAIL commands answer 451 (a temporary failure) to test retries.
`port` chooses the port (0: a free one), so a test can stop it and start it again where it was.
Most tests take the `smtp` fixture (tests/backend/conftest.py), already started.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: Message


@dataclass
class SmtpServer:
    fail_first: int = 0
    received: list[ReceivedMail] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> SmtpServer:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def to(self, address: str) -> list[Message]:
        """The messages delivered to `address`, in the order they arrived."""
        return [mail.message for mail in self.received if address in mail.recipients]

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        try:
            reply("220 test ESMTP")
            await writer.drain()
            sender, recipients = "", []
            while line := await reader.readline():
                command = line.decode(errors="replace").strip()
                verb = command.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    reply("250-test")
                    reply("250 8BITMIME")
                elif verb == "HELO":
                    reply("250 test")
                elif verb == "MAIL":
                    if self.fail_first > 0:
                        self.fail_first -= 1
                        reply("451 try again later")
                    else:
                        # "MAIL FROM:<a@b> BODY=8BITMIME": keep the address only.
                        sender, recipients = command[10:].split(">", 1)[0].strip("<> "), []
                        reply("250 ok")
                elif verb == "RCPT":
                    recipients.append(command[8:].split(">", 1)[0].strip("<> "))
                    reply("250 ok")
                elif verb == "DATA":
                    reply("354 go ahead")
                    await writer.drain()
                    data = bytearray()
                    while (chunk := await reader.readline()) not in (b".\r\n", b""):
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    self.received.append(ReceivedMail(sender, recipients, message_from_bytes(bytes(data))))
                    reply("250 queued")
                elif verb in {"RSET", "NOOP"}:
                    reply("250 ok")
                elif verb == "QUIT":
                    reply("221 bye")
                    await writer.drain()
                    break
                else:
                    reply("502 not implemented")
                await writer.drain()
        finally:
            # Also when the client hangs up mid-session (a timeout test): no half-open sockets left behind.
            writer.close()
