from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "forum.organisations"
    label = "organisations"
    verbose_name = _("Organisations")

    def ready(self):
        from . import signals

        # Memberships removed or changed and organisations deactivated (in the admin too) reach the
        # members' open sockets.
        signals.connect()
