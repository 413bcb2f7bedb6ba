"""Account mail (confirmation links, password resets) leaves the request: a worker sends it.

Sent inside the request, a reset for an existing account took as long as the mail server's answer
and one for an unknown address answered at once, so the timing told who has an account. The
message is rendered in the request (it needs the request's host) and handed over as plain fields.
"""

from __future__ import annotations

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(name="users.send_account_mail", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_account_mail(
    *, subject: str, body: str, from_email: str, to: list[str], html: str | None = None
) -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=from_email, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
