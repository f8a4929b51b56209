from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.discussions import viewcounts
from forum.discussions.models import Thread


def test_views_are_counted_in_the_cache_and_written_at_most_once_per_interval(make_thread, settings):
    settings.FORUM_VIEW_FLUSH_SECONDS = 3600
    thread = make_thread()
    viewcounts.record_view(thread.pk)  # opens the window: the first view is written at once
    assert Thread.objects.get(pk=thread.pk).view_count == 1
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(25):
            viewcounts.record_view(thread.pk)
    assert len(ctx.captured_queries) == 0
    assert Thread.objects.get(pk=thread.pk).view_count == 1
    assert viewcounts.pending_views(thread.pk) == 25


def test_flush_command_writes_pending_views(make_thread, settings):
    settings.FORUM_VIEW_FLUSH_SECONDS = 3600
    one, two = make_thread(), make_thread()
    for _ in range(3):
        viewcounts.record_view(one.pk)
    for _ in range(2):
        viewcounts.record_view(two.pk)
    call_command("flush_view_counts", stdout=open("/dev/null", "w"))
    assert Thread.objects.get(pk=one.pk).view_count == 3
    assert Thread.objects.get(pk=two.pk).view_count == 2
    assert viewcounts.pending_views(one.pk) == 0
    call_command("flush_view_counts", stdout=open("/dev/null", "w"))
    assert Thread.objects.get(pk=one.pk).view_count == 3


def test_thread_page_views_cost_no_write_per_request(client, make_thread, member, settings):
    settings.FORUM_VIEW_FLUSH_SECONDS = 3600
    thread = make_thread()
    client.force_login(member)
    for _ in range(5):
        client.get(thread.get_absolute_url())
    assert Thread.objects.get(pk=thread.pk).view_count == 1
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "6 views" in html  # stored, pending, and this one
    with CaptureQueriesContext(connection) as ctx:
        client.get(thread.get_absolute_url())
    assert not any("discussions_thread" in q["sql"] and q["sql"].startswith("UPDATE")
                   for q in ctx.captured_queries)
