from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "forum.organisations"
    label = "organisations"

    def ready(self):
        from . import signals

        # Memberships removed or changed and organisations deactivated (in the admin too) reach the
        # members' open sockets.
        signals.connect()
