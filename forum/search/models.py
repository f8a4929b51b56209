from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    """One searchable post: its words as written and normalised, and the facts results are filtered by.

    The text columns are plain text on every database. On PostgreSQL a migration adds a generated
    `vector tsvector` column built from them (see migrations/0002) with a GIN index; the model does not
    declare it, so SQLite never sees it. Rows are kept in step with posts and threads by `signals`,
    and `manage.py rebuild_search_index` rebuilds them all.
    """

    post = models.OneToOneField("discussions.Post", on_delete=models.CASCADE, related_name="search_document",
                                primary_key=True)
    thread = models.ForeignKey("discussions.Thread", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("categories.Category", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Who the post speaks for when written: on_behalf_of, else the author's organisation then.
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(db_index=True)
    # The opening post carries the thread title; replies have none.
    title_norm = models.TextField(blank=True)
    # The post's visible words (sanitised HTML without tags), one space between words.
    body_text = models.TextField(blank=True)
    # `body_text` normalised word by word: word i here is word i there, which keeps snippets exact.
    body_norm = models.TextField(blank=True)
    # Words of title and body that lose a definite article ("المجتمع" → "مجتمع"), for PostgreSQL.
    stems = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        indexes = [models.Index(fields=["thread", "-created_at"])]

    def __str__(self):
        return f"search document of #{self.post_id}"


class PendingDocument(models.Model):
    """A post whose document is to be (re)built after its transaction commits.

    A reply or an edit writes this one row in its own transaction (cheap: no text is walked, no
    word normalised), and the background worker builds the document once the write has committed
    (`services.index_pending`). The row is the durable truth: a process that stops before its
    worker ran leaves it, and the every-minute catch-up builds it (`jobs.index_pending`). Removing
    a document (post deleted or hidden, thread deleted) is never deferred.
    """

    post = models.OneToOneField("discussions.Post", on_delete=models.CASCADE, related_name="+", primary_key=True)
    queued_at = models.DateTimeField()

    class Meta:
        verbose_name = _("post waiting for the search index")
        verbose_name_plural = _("posts waiting for the search index")
        indexes = [models.Index(fields=["queued_at"])]

    def __str__(self):
        return f"post #{self.post_id} waiting for the search index"
