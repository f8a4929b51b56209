from django.apps import AppConfig
from django.core import checks

from forum.core import conf


class CoreConfig(AppConfig):
    name = "forum.core"
    label = "core"

    def ready(self):
        checks.register(conf.check_types)
