"""What the notifications app holds about a person: their notices and their email preference."""

from forum.core import personal_data

from .models import Notification, NotificationPreference


def export(user):
    pref = NotificationPreference.objects.filter(user=user).first()
    return {
        "email_preference": pref.email if pref else NotificationPreference.Email.IMMEDIATE,
        "notifications": [
            {"kind": n.kind, "url": n.url, "data": n.data, "created_at": n.created_at.isoformat(),
             "read_at": n.read_at.isoformat() if n.read_at else None}
            for n in Notification.objects.filter(recipient=user).order_by("id")
        ],
    }


def erase(user):
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    # Notices others got about this person's posts keep no name (actor is the person).
    Notification.objects.filter(actor=user).update(actor=None)


personal_data.register("notifications", export=export, erase=erase)
