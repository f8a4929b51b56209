from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "forum.accounts"
    label = "accounts"

    def ready(self):
        from forum.core import personal_data

        # Every app's personal_data module registers its exporter and eraser.
        personal_data.autodiscover()
