from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledJobRun(models.Model):
    """The period (start of the minute, hour or day, UTC) a periodic job last ran for: what lets a
    restarted `run_scheduler` neither run a job twice in a period nor skip one (see core/jobs.py)."""

    name = models.CharField(max_length=100, primary_key=True)
    period = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("scheduled job run")
        verbose_name_plural = _("scheduled job runs")

    def __str__(self):
        return f"{self.name} @ {self.period}"
