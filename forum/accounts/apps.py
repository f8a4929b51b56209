from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "forum.accounts"
    label = "accounts"
    verbose_name = _("Members")

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

        # allauth's models have no verbose_name, so the admin showed "Authenticators" and "User
        # sessions" in English whatever the language. Display names only: the migration state reads
        # `_meta.original_attrs`, which stays as allauth declared it.
        from allauth.mfa.models import Authenticator

        for model, singular, plural in ((Authenticator, _("authenticator"), _("authenticators")),
                                        (UserSession, _("user session"), _("user sessions"))):
            model._meta.verbose_name = singular
            model._meta.verbose_name_plural = plural
