"""The signed one-click unsubscribe link at the foot of every email: made by `emails`, read by
`services.unsubscribe`. Its own module so that neither of those imports the other."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import signing

from forum.core import conf

UNSUBSCRIBE_SALT = "forum.notifications.unsubscribe"


class BadUnsubscribeToken(Exception):
    """The link was altered or is not ours; nothing was changed."""


class ExpiredUnsubscribeToken(BadUnsubscribeToken):
    """The link is ours but older than FORUM_UNSUBSCRIBE_LINK_DAYS; nothing was changed."""


def unsubscribe_token(user) -> str:
    """A signed, timestamped token naming the member, for the link at the foot of every email.

    `signing.dumps` signs with a TimestampSigner, so the token carries the time it was made and
    is refused once older than FORUM_UNSUBSCRIBE_LINK_DAYS: a forwarded or leaked old email does
    not keep a working handle on the account for ever.
    """
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=False)


def user_for_unsubscribe_token(token: str):
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT,
                                max_age=timedelta(days=conf.FORUM_UNSUBSCRIBE_LINK_DAYS))
        user_id = int(payload["u"])
    except signing.SignatureExpired as exc:
        raise ExpiredUnsubscribeToken from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadUnsubscribeToken from exc
    user = get_user_model().objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).first()
    if user is None:
        raise BadUnsubscribeToken
    return user
