from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "forum.accounts"
    label = "accounts"

    def ready(self):
        from allauth.usersessions.models import UserSession
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_delete

        from forum.core import personal_data

        from . import signals

        # A session that ends closes the sockets opened with it, in every process.
        user_logged_out.connect(signals.on_user_logged_out, dispatch_uid="accounts-session-ended-logout")
        post_delete.connect(signals.on_user_session_deleted, sender=UserSession,
                            dispatch_uid="accounts-session-ended-usersession")

        # Every app's personal_data module registers its exporter and eraser.
        personal_data.autodiscover()
