"""A poll carried by a thread: its options, and one ballot per voter (or per organisation).

Who chose what is in `Ballot` and `Choice`; for a secret poll nothing but the count reads them
(no page, export, live event or admin view names a voter: see `permissions.check_view_voters`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Poll(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        RANKED = "ranked", _("Ranked choice")

    class Electorate(models.TextChoices):
        MEMBERS = "members", _("All members")
        ORGANISATIONS = "organisations", _("One vote per organisation, cast by a representative")
        REPRESENTATIVES = "representatives", _("Representatives only")

    class Results(models.TextChoices):
        ALWAYS = "always", _("Always")
        AFTER_VOTE = "after_vote", _("After voting")
        AFTER_CLOSE = "after_close", _("After the poll closes")

    thread = models.OneToOneField("discussions.Thread", on_delete=models.CASCADE, related_name="poll",
                                  verbose_name=_("thread"))
    question = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    # Multiple choice: at most this many options per ballot.
    max_choices = models.PositiveSmallIntegerField(_("at most this many choices"), null=True, blank=True)
    electorate = models.CharField(_("who may vote"), max_length=16, choices=Electorate.choices,
                                  default=Electorate.MEMBERS)
    results = models.CharField(_("results shown"), max_length=12, choices=Results.choices, default=Results.ALWAYS)
    secret = models.BooleanField(_("secret ballot"), default=True,
                                 help_text=_("Nobody sees who chose what, only the counts."))
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="poll_closes_after_opening"),
            models.CheckConstraint(condition=Q(kind__in=["single", "multiple", "ranked"]), name="poll_kind_valid"),
            models.CheckConstraint(condition=Q(electorate__in=["members", "organisations", "representatives"]),
                                   name="poll_electorate_valid"),
            models.CheckConstraint(condition=Q(results__in=["always", "after_vote", "after_close"]),
                                   name="poll_results_valid"),
        ]

    def __str__(self):
        return self.question

    def get_absolute_url(self):
        return reverse("discussions:thread", kwargs={"thread_id": self.thread_id}) + f"#poll-{self.pk}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def is_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.closes_at

    @property
    def per_organisation(self) -> bool:
        return self.electorate == self.Electorate.ORGANISATIONS


class Option(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("option"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["poll", "position", "id"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self):
        return self.label


class Ballot(models.Model):
    """One voter's ballot, or (one vote per organisation) the organisation's, cast by the
    representative who last changed it. The database keeps one per voter / per organisation."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")
    # Bumped by every change: a form replaces the ballot it was made from, never a newer one.
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(fields=["poll", "voter"], condition=Q(organisation__isnull=True),
                                    name="ballot_one_per_voter"),
            models.UniqueConstraint(fields=["poll", "organisation"], condition=Q(organisation__isnull=False),
                                    name="ballot_one_per_organisation"),
        ]

    def __str__(self):
        return f"ballot #{self.pk} in poll {self.poll_id}"


class Choice(models.Model):
    """An option on a ballot, at its rank (1 first; single and multiple choice: in the order given)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["ballot", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="choice_option_once_per_ballot"),
            models.UniqueConstraint(fields=["ballot", "rank"], name="choice_rank_once_per_ballot"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="choice_rank_from_one"),
        ]

    def __str__(self):
        return f"{self.option_id} at {self.rank}"
