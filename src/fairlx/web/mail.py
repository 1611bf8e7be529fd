"""Mail written from templates: `<name>.txt` and `<name>.html` under a domain's templates, the HTML
inside the shared mail layout, queued through the outbox like every mail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.mail import queue_mail
from fairlx.web.templating import templates


async def queue_templated_mail(
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    dedupe_key: str | None = None,
) -> bool:
    values = {"subject": subject, **context}
    text = templates.env.get_template(f"{template}.txt").render(values)
    html = templates.env.get_template(f"{template}.html").render(values)
    return await queue_mail(session, to=to, subject=subject, text=text, html=html, dedupe_key=dedupe_key)
