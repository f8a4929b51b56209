from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "forum.organisations"
    label = "organisations"
