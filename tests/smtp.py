"""A real SMTP server for the tests (aiosmtpd in a thread), keeping what it receives."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content()


@dataclass
class SmtpServer:
    host: str
    port: int
    controller: object
    messages: list[Received] = field(default_factory=list)

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]


class _Keep:
    def __init__(self, messages: list[Received]):
        self.messages = messages

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.original_content or envelope.content, policy=policy.default),
            )
        )
        return "250 Message accepted for delivery"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start_smtp_server(host: str = "127.0.0.1") -> SmtpServer:
    from aiosmtpd.controller import Controller

    messages: list[Received] = []
    port = free_port(host)
    controller = Controller(_Keep(messages), hostname=host, port=port)
    controller.start()
    return SmtpServer(host, port, controller, messages)
