"""Outgoing e-mail: SMTP (aiosmtplib) in production, the log in development.

Mail leaves in the background so a slow SMTP server never holds a request, and so that the
time a request takes does not tell whether an e-mail was sent (sign-up, password reset).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from liveshop.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer:
    """Sends through the configured backend; `send_later` does not wait for the server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pending: set[asyncio.Task[None]] = set()

    def message(self, mail: Mail) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.settings.mail_from
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg.set_content(mail.body)
        return msg

    async def send(self, mail: Mail) -> None:
        s = self.settings
        if s.mail_backend == "console":
            # Bodies carry reset links: only a development log may show them.
            body = (
                mail.body if s.env != "production" else "(withheld: set LIVESHOP_MAIL_BACKEND=smtp)"
            )
            log.info("mail to %s: %s\n%s", mail.to, mail.subject, body)
            return
        await aiosmtplib.send(
            self.message(mail),
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password,
            start_tls=s.smtp_starttls,
            use_tls=s.smtp_tls,
            timeout=s.smtp_timeout_seconds,
        )

    def send_later(self, mail: Mail) -> None:
        async def _run() -> None:
            try:
                await self.send(mail)
            except Exception:
                log.exception("sending mail %r to %s failed", mail.subject, mail.to)

        task = asyncio.create_task(_run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def close(self) -> None:
        """Let mail already handed over finish (bounded by the SMTP timeout)."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=self.settings.smtp_timeout_seconds)
