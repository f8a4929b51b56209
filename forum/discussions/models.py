from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# Replies nest visually to this depth; deeper replies sit at this depth, marked "in reply to".
MAX_TREE_DEPTH = 6
# Width of one path segment (base-36 post id, zero-padded): sorts the tree depth-first by text.
PATH_SEGMENT = 8


class Thread(models.Model):
    category = models.ForeignKey("categories.Category", verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="threads")
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="threads")
    # Set when a representative opens the thread in the name of their organisation.
    on_behalf_of = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("on behalf of"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("last activity"), db_index=True)
    last_post_id = models.BigIntegerField(null=True, blank=True, editable=False)
    reply_count = models.PositiveIntegerField(_("replies"), default=0)
    view_count = models.PositiveBigIntegerField(_("views"), default=0)
    pinned = models.BooleanField(_("pinned"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Held by pre-moderation (its opening post awaits approval): only its author and the
    # category's moderators see it; counted and announced when approved.
    awaiting_review = models.BooleanField(_("awaiting review"), default=False, editable=False)

    class Meta:
        ordering = ["-pinned", "-last_activity_at"]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [models.Index(fields=["category", "-pinned", "-last_activity_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("discussions:thread", kwargs={"thread_id": self.pk})


class Post(models.Model):
    """A post in a thread: the opening post (no parent) or a reply to another post of the same thread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    on_behalf_of = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # Depth-first order of the tree: the ancestors' padded ids then this post's, joined by "/".
    path = models.CharField(max_length=(PATH_SEGMENT + 1) * (MAX_TREE_DEPTH + 1), db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    source = models.TextField(_("text"))
    html = models.TextField(editable=False)
    created_at = models.DateTimeField(_("written"), auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden by a moderator"), null=True, blank=True)
    # Why it is hidden, as readers see it: the rule's title per language ({"ar": ..., "en": ...}),
    # snapshotted by the moderation service; "pending" is set while flags await review.
    hidden_reason = models.JSONField(default=dict, blank=True, editable=False)
    # Set when a moderator removed the post (not its author); its text is kept in the audit log.
    removed_by_moderator = models.BooleanField(default=False, editable=False)
    # Held by pre-moderation (category setting, a new member's first posts, a watched word): also
    # hidden (`hidden_at`), and shown to nobody but its author and the category's moderators, not
    # even as a placeholder; approval publishes it (`post_approve`).
    awaiting_review = models.BooleanField(_("awaiting review"), default=False, editable=False)
    # Set when a moderator edited the text for policy (`post_edit_for_policy`): the rule's title per
    # language and the decision's address; readers see "edited by moderators: <rule>". The text
    # before is kept in the audit log only, never in the public revision history.
    moderator_edit = models.JSONField(default=dict, blank=True, editable=False)
    # {"👍": 3, ...}: kept in step by the reaction services so a page costs no count query per post.
    reaction_counts = models.JSONField(default=dict, blank=True, editable=False)
    # Set in the post's own insert when who hears of it is decided after commit, outside the
    # request (forum.discussions.activity, the e-mail worker or `send_pending_emails`); cleared
    # once the notifications are written. Null for almost every row.
    fanout_pending_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["thread", "path"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [models.Index(fields=["thread", "path"]), models.Index(fields=["thread", "id"]),
                   models.Index(fields=["fanout_pending_at"], name="post_fanout_pending",
                                condition=models.Q(fanout_pending_at__isnull=False))]

    def __str__(self):
        return f"#{self.pk} in {self.thread_id}"

    def get_absolute_url(self):
        return reverse("discussions:post", kwargs={"post_id": self.pk})


class PostRevision(models.Model):
    """The text of a post before an edit, with who edited and when."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    source = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["post", "created_at", "id"]
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")

    def __str__(self):
        return f"revision of #{self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [models.UniqueConstraint(fields=["post", "user", "emoji"], name="reaction_once_per_member")]

    def __str__(self):
        return f"{self.emoji} on #{self.post_id}"


class Attachment(models.Model):
    """An image attached to a post, re-encoded on upload (no EXIF), served only to readers of its thread."""

    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.file.name


class Subscription(models.Model):
    """A member's interest in a thread or a category: watch (notify every post), track (count unread), mute."""

    class Level(models.TextChoices):
        WATCH = "watch", _("Watching")
        TRACK = "track", _("Tracking")
        MUTE = "mute", _("Muted")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions")
    category = models.ForeignKey("categories.Category", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="subscriptions")
    level = models.CharField(max_length=8, choices=Level.choices)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(condition=Q(thread__isnull=True) ^ Q(category__isnull=True),
                                   name="subscription_thread_xor_category"),
            models.UniqueConstraint(fields=["user", "thread"], condition=Q(thread__isnull=False),
                                    name="subscription_one_per_thread"),
            models.UniqueConstraint(fields=["user", "category"], condition=Q(category__isnull=False),
                                    name="subscription_one_per_category"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.level} {self.thread_id or self.category_id}"


class ReadState(models.Model):
    """How far a member has read a thread: the highest post id seen."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    last_read_post_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("read state")
        verbose_name_plural = _("read states")
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="readstate_one_per_thread")]

    def __str__(self):
        return f"{self.user_id} read {self.thread_id} to #{self.last_read_post_id}"
