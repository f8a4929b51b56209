from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from forum.core import conf


class CoreConfig(AppConfig):
    name = "forum.core"
    label = "core"
    verbose_name = _("Site")

    def ready(self):
        checks.register(conf.check_types)
        # Every app declares its background jobs in its own jobs.py (see forum/core/jobs.py).
        from . import jobs

        jobs.autodiscover()
        # And the figures they show operators in their metrics.py (see forum/core/metrics.py).
        from . import metrics

        metrics.register()
