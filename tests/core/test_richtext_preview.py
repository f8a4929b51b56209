"""The editor: the preview endpoint (POST /preview/) and the templates/core/_editor.html include."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import path
from django.utils import translation

from config.urls import urlpatterns as site_urlpatterns
from forum.core import views_preview
from forum.core.richtext import render_post
from tests.core.xss_corpus import problems_in

# Until the lead wires `path("preview/", ..., name="preview")` into config/urls.py the tests mount it.
urlpatterns = [path("preview/", views_preview.preview, name="preview"), *site_urlpatterns]
with_preview_url = pytest.mark.urls(__name__)


# --- POST /preview/ -----------------------------------------------------------------------------
@with_preview_url
def test_preview_returns_the_html_the_post_would_have(member_client):
    source = "**Hello** [site](https://example.org) ![x](https://evil.example/p.png)"
    response = member_client.post("/preview/", {"source": source})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == render_post(source)
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


@with_preview_url
def test_preview_links_mentions_of_active_members(member_client, make_user):
    sara = make_user(role="member", display_name="Sara")
    gone = make_user(role="member", display_name="Gone")
    gone.is_active = False
    gone.save()
    response = member_client.post("/preview/", {"source": "Hi @sara and @gone and @nobody"})
    html = response.content.decode()
    assert f'<a href="{sara.get_absolute_url()}" class="mention" rel="nofollow ugc noopener">@sara</a>' in html
    assert "@gone" in html and "@nobody" in html and html.count('class="mention"') == 1


@with_preview_url
def test_preview_of_hostile_text_is_inert(member_client):
    response = member_client.post("/preview/", {"source": "<script>alert(1)</script> [x](javascript:alert(1))"})
    assert response.status_code == 200 and problems_in(response.content.decode()) == []


@with_preview_url
def test_preview_refuses_text_over_the_limit_with_a_translated_reason(member_client, settings):
    settings.FORUM_POST_MAX_CHARS = 10
    response = member_client.post("/preview/", {"source": "x" * 11})
    assert response.status_code == 400
    assert "11 characters" in response.content.decode() and "at most 10" in response.content.decode()
    with translation.override("fr"):
        french = member_client.post("/preview/", {"source": "x" * 11}, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 400 and b'role="alert"' in french.content


@with_preview_url
def test_empty_preview_says_so(member_client):
    response = member_client.post("/preview/", {"source": "   "})
    assert response.status_code == 200 and b"Nothing to preview yet." in response.content


@with_preview_url
def test_preview_needs_sign_in_post_and_csrf(client, member, db):
    assert client.post("/preview/", {"source": "x"}).status_code == 302
    client.force_login(member)
    assert client.get("/preview/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post("/preview/", {"source": "x"}).status_code == 403


# --- The include --------------------------------------------------------------------------------
def render_editor(**context) -> str:
    template = Template("{% include 'core/_editor.html' %}")
    return template.render(Context(context))


def test_editor_renders_a_labelled_rtl_aware_textarea_with_its_value_escaped(db):
    html = render_editor(name="source", value="<b>hi</b> & @ali", label="Your message", rows=5, maxlength=100)
    assert '<label for="id_source">Your message</label>' in html
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert 'id="id_source"' in textarea and 'name="source"' in textarea and 'dir="auto"' in textarea
    assert 'rows="5"' in textarea and 'maxlength="100"' in textarea
    assert "&lt;b&gt;hi&lt;/b&gt; &amp; @ali</textarea>" in html
    assert 'aria-describedby="id_source-help"' in textarea


def test_editor_toolbar_buttons_are_labelled_and_the_toolbar_waits_for_js(db):
    html = render_editor(name="source")
    toolbar = re.search(r'<div class="editor-toolbar"[^>]*>', html).group(0)
    assert 'role="toolbar"' in toolbar and " hidden" in toolbar and 'aria-controls="id_source"' in toolbar
    for action in ("bold", "italic", "heading", "link", "quote", "list", "code"):
        button = re.search(rf'<button[^>]*data-action="{action}"[^>]*>', html).group(0)
        assert 'type="button"' in button and re.search(r'aria-label="[^"]+"', button), action
    # Only the first button is a tab stop; the arrows move inside the toolbar.
    assert html.count('tabindex="-1"') >= 6


def test_editor_labels_come_translated_from_the_template(db):
    with translation.override("en"):
        english = render_editor(name="source")
    assert 'aria-label="Bold"' in english
    assert 'data-msg-link-prompt="Link address (https://…)"' in english


def test_editor_has_no_inline_script_style_or_handlers(db):
    html = render_editor(name="source", errors=["Too short."], preview_html="<p>x</p>")
    assert "<script" not in html and "style=" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_editor_shows_errors_accessibly(db):
    html = render_editor(name="body", id="reply-body", errors=["Please write something.", "Second."])
    assert '<p class="form-error" id="reply-body-errors" role="alert">Please write something. Second.</p>' in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="reply-body-help reply-body-errors"' in html


def test_no_js_preview_is_a_submit_button_and_the_preview_shows_when_given(db):
    html = render_editor(name="source")
    assert '<button type="submit" name="preview" value="1"' in html
    assert re.search(r"<section[^>]*data-editor-preview hidden", html)
    shown = render_editor(name="source", preview_html=render_post("**bold** <script>"))
    assert '<strong>bold</strong> &lt;script&gt;' in shown
    assert not re.search(r"<section[^>]*data-editor-preview hidden", shown)


@with_preview_url
def test_editor_points_the_script_at_the_preview_url_when_it_is_wired(db):
    html = render_editor(name="source")
    assert 'data-preview-url="/preview/"' in html


@with_preview_url
@pytest.mark.parametrize("mentioned", [1, 15])
def test_preview_costs_the_same_queries_for_one_mention_or_many(member_client, make_user, mentioned,
                                                               django_assert_num_queries):
    names = [make_user(role="member", display_name=f"Person{i}").display_name for i in range(mentioned)]
    source = " ".join(f"@{name}" for name in names)
    member_client.post("/preview/", {"source": "warm-up"})
    # session, user, and one query for every mentioned member at once
    with django_assert_num_queries(3):
        response = member_client.post("/preview/", {"source": source})
    assert response.content.decode().count('class="mention"') == mentioned
