"""A consultation's thread page says it is one and links to the comparison, in the reader's language,
at no cost in queries (the consultation comes joined to the thread's own query)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.consultations.factories import close

pytestmark = pytest.mark.django_db


def _page(client, thread):
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(thread.get_absolute_url()).content.decode()
    return html, len(ctx.captured_queries)


def test_the_thread_of_a_consultation_links_to_it_and_costs_no_query_more(client, make_consultation, make_thread,
                                                                            make_user):
    consultation = make_consultation(title="Water charter")
    plain = make_thread(category=consultation.thread.category)
    client.force_login(make_user(role="member"))
    _page(client, consultation.thread), _page(client, plain)  # warm the session and caches
    html, queries = _page(client, consultation.thread)
    assert 'class="consultation-banner"' in html
    assert f'href="{consultation.get_absolute_url()}"' in html
    assert "Positions are taken until" in html
    plain_html, plain_queries = _page(client, plain)
    assert 'class="consultation-banner"' not in plain_html
    assert queries == plain_queries


def test_the_banner_says_when_the_consultation_closed_in_arabic(client, make_consultation, make_user):
    consultation = make_consultation()
    close(consultation)
    client.force_login(make_user(role="member"))
    with translation.override("ar"):
        html = client.get(consultation.thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "هذا الموضوع استشارة للمنظمات الأعضاء. أُغلقت في" in html
