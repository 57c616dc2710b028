"""Login, logout, failure and lockout become audit events (P12, P15).

Signals carry them because Django and axes emit them; the domain flow itself never runs through signals.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor, client_ip
from verwerker.audit.events import ActorType, EventType, Outcome


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    do_record_event(EventType.LOGIN_SUCCEEDED, actor=Actor.for_user(user, client_ip(request)), obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        do_record_event(EventType.LOGOUT, actor=Actor.for_user(user, client_ip(request)), obj=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    do_record_event(
        EventType.LOGIN_FAILED,
        actor=Actor(ActorType.ANONYMOUS, "", username, client_ip(request)),
        outcome=Outcome.FAILURE,
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    do_record_event(
        EventType.LOGIN_LOCKED_OUT,
        actor=Actor(ActorType.ANONYMOUS, "", str(username or "")[:150], ip_address or client_ip(request)),
        outcome=Outcome.REFUSED,
    )
