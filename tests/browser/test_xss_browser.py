"""Stored XSS, for real: hostile posts shown in Chromium fire no dialog, run no script, load nothing
from outside, whether written through the services or typed into the reply form."""

from __future__ import annotations

import io
import unicodedata
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings
from django.urls import include, path

from config.urls import urlpatterns as site_urlpatterns
from forum.discussions import attachments, views_preview
from forum.discussions.models import Attachment
from tests.browser.conftest import login
from tests.core.xss_corpus import html_payloads, markdown_contexts, url_payloads
from tests.discussions import factories

pytestmark = pytest.mark.browser
# The discussions factories (made through the real services), as fixtures of this module.
_generous_post_rate = factories._generous_post_rate
make_category = factories.make_category
make_thread = factories.make_thread
make_post = factories.make_post

# A spread of the corpus: every payload that calls alert/confirm/prompt, in the raw and link contexts.
# (The post service refuses control characters; those payloads are covered by tests/core alone.)


def _no_controls(text: str) -> bool:
    return not any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text)


ALERTING = [p for _i, p in html_payloads()
            if any(word in p for word in ("alert", "confirm", "prompt")) and _no_controls(p)]
CHOSEN = ALERTING[::6][:60]
URLS = [u for _i, u in url_payloads() if _no_controls(u)]
TYPED = [
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1)) ![pixel](https://tracker.example/p.png)",
    "<svg/onload=alert(2)> <a href=\"javascript:alert(3)\">x</a>",
]

FIND_EXECUTABLE = """() => {
  const bad = [];
  for (const root of document.querySelectorAll('.user-content')) {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      if (['script','iframe','object','embed','svg','math','style','form','base','meta','link','frame',
           'frameset','input','button','textarea','select','video','audio','template'].includes(tag)) bad.push(tag);
      for (const attr of el.attributes) {
        const name = attr.name.toLowerCase();
        if (name.startsWith('on') || name === 'style') bad.push(`${tag}[${name}]`);
      }
      if (tag === 'a' && el.href && !/^(https?:|mailto:)/.test(el.href)) bad.push(`a[href=${el.href}]`);
      if (tag === 'img' && new URL(el.src, location.href).origin !== location.origin) bad.push(`img[src=${el.src}]`);
    }
  }
  return bad;
}"""


def watch(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def poke(page) -> None:
    """Hover, focus and scroll through user content so any surviving handler would fire."""
    elements = page.locator(".user-content *")
    for index in range(min(elements.count(), 300)):
        element = elements.nth(index)
        try:
            element.scroll_into_view_if_needed(timeout=500)
            element.hover(timeout=500, force=True)
            element.focus(timeout=500)
        except Exception:  # noqa: BLE001 - invisible or detached elements cannot be hovered; that is fine
            continue
    page.mouse.wheel(0, 5000)
    page.wait_for_timeout(300)


def test_hostile_posts_run_nothing_and_load_nothing_from_outside(live_server, new_page, make_user,
                                                                 make_category, make_thread, make_post):
    member = make_user(role="member", email="writer@example.org", display_name="Writer")
    category = make_category(name="Open forum")
    thread = make_thread(author=member, category=category, title="Hostile text", source=CHOSEN[0])
    sources = []
    for payload in CHOSEN[1:]:
        contexts = markdown_contexts(payload)
        sources.append("\n\n".join([contexts["raw"], contexts["link_text"], contexts["quote"]]))
    for url in URLS:
        contexts = markdown_contexts(url)
        sources.append("\n\n".join([contexts["link_url"], contexts["image_url"], contexts["autolink"]]))
    # Several payloads per post keeps the page to one screenful of posts per batch.
    for start in range(0, len(sources), 4):
        make_post(thread=thread, author=member, source="\n\n".join(sources[start:start + 4]))

    page = new_page()
    dialogs = watch(page)
    login(page, email=member.email)
    page.goto(thread.get_absolute_url())
    page.wait_for_load_state("networkidle")
    assert page.locator(".post-list .user-content").count() == thread.posts.count(), "the page shows every post"
    poke(page)

    assert dialogs == []
    assert page.evaluate(FIND_EXECUTABLE) == []
    assert page.outside_requests == []
    assert page.console_errors == []
    # The watcher itself works: a real alert is seen.
    page.evaluate("() => window.alert('self-check')")
    assert dialogs == ["alert: self-check"]


def test_hostile_text_typed_into_the_reply_form_stays_inert(live_server, new_page, make_user, make_category,
                                                            make_thread):
    member = make_user(role="member", email="typist@example.org", display_name="Typist")
    thread = make_thread(author=member, category=make_category(name="Typing"), title="Typed text")

    page = new_page()
    dialogs = watch(page)
    login(page, email=member.email)
    page.goto(thread.get_absolute_url())
    form = page.locator("form[data-reply-form]")
    assert form.count() == 1, "the thread page has a reply form"
    form.locator("textarea[name=source]").fill("\n\n".join(TYPED))
    form.locator("[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    page.goto(thread.get_absolute_url())
    page.wait_for_load_state("networkidle")
    # Shown as text, escaped: the reply is there and it is words, not markup.
    assert page.locator(".user-content", has_text="<img src=x onerror=alert(1)>").count() == 1, "reply posted"
    poke(page)

    assert dialogs == []
    assert page.evaluate(FIND_EXECUTABLE) == []
    assert page.outside_requests == []
    assert page.console_errors == []


# --- The editor's script (static/js/editor.js) in a real browser --------------------------------
def editor_page(page, live_server, *, value: str = "", dir_: str = "ltr") -> None:
    """The _editor.html include on a same-origin page with editor.js and editor.css loaded."""
    from django.template import Context, Template

    include = Template("{% include 'core/_editor.html' %}").render(Context({"name": "source", "value": value,
                                                                           "label": "Message"}))
    page.goto("/")  # a page of the site (with its icon): the content below is then same-origin
    page.set_content(f"""<!DOCTYPE html><html lang="en" dir="{dir_}"><head><meta charset="utf-8">
        <link rel="stylesheet" href="/static/css/editor.css"><link rel="icon" href="/static/favicon.svg"></head><body><form method="post">{include}</form>
        <script type="module" src="/static/js/editor.js"></script></body></html>""")
    page.wait_for_selector(".editor-toolbar:not([hidden])")


def select(page, start: int, end: int) -> None:
    page.evaluate(f"() => {{ const t = document.querySelector('textarea'); t.focus(); t.setSelectionRange({start}, {end}); }}")


def value(page) -> str:
    return page.input_value("textarea")


def test_editor_toolbar_edits_the_markdown_selection(live_server, new_page, db):
    page = new_page()
    editor_page(page, live_server, value="hello world")
    select(page, 0, 5)
    page.click("[data-action=bold]")
    assert value(page) == "**hello** world"
    select(page, 10, 15)
    page.click("[data-action=italic]")
    assert value(page) == "**hello** _world_"
    page.click("[data-action=quote]")
    assert value(page) == "> **hello** _world_"
    page.fill("textarea", "one\ntwo")
    select(page, 0, 7)
    page.click("[data-action=list]")
    assert value(page) == "- one\n- two"
    page.fill("textarea", "x = 1\ny = 2")
    select(page, 0, 11)
    page.click("[data-action=code]")
    assert value(page) == "```\nx = 1\ny = 2\n```\n"
    page.fill("textarea", "Title")
    select(page, 0, 0)
    page.click("[data-action=heading]")
    assert value(page) == "## Title"
    page.fill("textarea", "site")
    select(page, 0, 4)
    page.click("[data-action=link]")  # an inline form (tests/browser/test_editor_toolbar.py)
    page.fill("[data-editor-link-form] input", "https://example.org/a b")
    page.press("[data-editor-link-form] input", "Enter")
    assert value(page) == "[site](https://example.org/a%20b)"
    assert page.outside_requests == [] and page.console_errors == []


def test_editor_is_keyboard_usable(live_server, new_page, db):
    page = new_page()
    editor_page(page, live_server)
    page.focus("textarea")
    page.keyboard.press("Control+b")
    assert value(page) == "**bold text**"
    # Tab from the label's field back into the toolbar lands on one button; arrows move along it.
    page.focus("[data-action=bold]")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.action") == "italic"
    page.keyboard.press("End")
    last = page.evaluate("document.activeElement.dataset.action")
    assert last in ("preview", "image", "code")
    page.keyboard.press("Home")
    assert page.evaluate("document.activeElement.dataset.action") == "bold"
    tab_stops = page.evaluate("[...document.querySelectorAll('.editor-toolbar button')].filter(b => b.tabIndex === 0).length")
    assert tab_stops == 1


def test_editor_toolbar_follows_right_to_left_text(live_server, new_page, db):
    page = new_page()
    editor_page(page, live_server, value="مرحبا", dir_="rtl")
    first = page.locator("[data-action=bold]").bounding_box()
    second = page.locator("[data-action=italic]").bounding_box()
    assert first["x"] > second["x"], "in RTL the first button sits on the right"
    page.focus("[data-action=bold]")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.dataset.action") == "italic"
    assert page.get_attribute("textarea", "dir") == "auto"


# --- Preview and upload through the editor ------------------------------------------------------
# The preview and upload views are not in the site's URLs until the lead wires them; the browser's
# requests for them are handed to the real views through Django's test client (the transport is the
# only thing replaced: view, service, database and files are the real ones).
EDITOR_URLS = "tests.browser.test_xss_browser"
urlpatterns = [
    path("", include(([path("t/attachments/upload/", attachments.attachment_upload_view, name="attachment_upload"),
                       path("t/attachments/<int:attachment_id>/", attachments.attachment_serve,
                            name="attachment")], "discussions"))),
    path("preview/", views_preview.preview, name="preview"),
    *site_urlpatterns,
]


def route_to_views(page, user) -> list[str]:
    """Serve /preview/ and /t/attachments/… in the page from the real views, as `user`."""
    client = Client()
    client.force_login(user)
    served: list[str] = []

    def handle(route, request):
        path_ = urlsplit(request.url).path
        served.append(f"{request.method} {path_}")
        headers = {"HTTP_ACCEPT": request.headers.get("accept", "")}
        with override_settings(ROOT_URLCONF=EDITOR_URLS):
            if request.method == "POST":
                response = client.generic("POST", path_, data=request.post_data_buffer or b"",
                                          content_type=request.headers.get("content-type", ""), **headers)
            else:
                response = client.get(path_, **headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        route.fulfill(status=response.status_code, body=body,
                      headers={k: v for k, v in response.items() if k.lower() != "content-length"})

    page.route("**/preview/", handle)
    page.route("**/t/attachments/**", handle)
    return served


def jpeg_with_gps() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825)[2] = (33.0, 30.0, 45.0)
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_editor_preview_and_image_upload_with_javascript(live_server, new_page, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from forum.categories.models import Category

    Category.objects.create(name="Editor's place", slug="editors-place")  # somewhere to post: preview allowed
    member = make_user(role="member", email="editor@example.org", display_name="Editor")
    page = new_page()
    dialogs = watch(page)
    served = route_to_views(page, member)
    with override_settings(ROOT_URLCONF=EDITOR_URLS):
        editor_page(page, live_server, value="**bold** <img src=x onerror=alert(1)> [x](javascript:alert(1))")
    assert page.locator("[data-action=image]").count() == 1
    assert page.locator(".editor-nojs-preview").is_hidden(), "with JS the submit-preview gives way to the toggle"

    page.click("[data-action=preview]")
    page.wait_for_selector("[data-editor-preview]:not([hidden]) strong")
    assert page.inner_html("[data-editor-preview-body]").startswith('<p dir="auto"><strong>bold</strong> &lt;img')
    assert page.get_attribute("[data-action=preview]", "aria-pressed") == "true"

    with page.expect_file_chooser() as chooser:
        page.click("[data-action=image]")
    chooser.value.set_files(files=[{"name": "at home.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}])
    page.wait_for_function("() => document.querySelector('textarea').value.includes('/t/attachments/')")
    attachment = Attachment.objects.get(uploader=member)
    assert f"![](/t/attachments/{attachment.pk}/)" in page.input_value("textarea")
    assert page.inner_text("[data-editor-status]") == "Image added."
    with attachment.file.open("rb") as handle:
        assert b"PhoneMaker" not in handle.read()

    page.click("[data-action=preview]")  # hide
    page.click("[data-action=preview]")  # show again, now with the image
    image = page.wait_for_selector(f"[data-editor-preview-body] img[src='/t/attachments/{attachment.pk}/']")
    page.wait_for_function("img => img.complete && img.naturalWidth === 40", arg=image)

    assert "POST /preview/" in served and "POST /t/attachments/upload/" in served
    assert f"GET /t/attachments/{attachment.pk}/" in served
    assert dialogs == [] and page.evaluate(FIND_EXECUTABLE) == []
    assert page.outside_requests == [] and page.console_errors == []


def test_editor_reports_a_refused_upload(live_server, new_page, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    member = make_user(role="member", email="refused@example.org", display_name="Refused")
    page = new_page()
    route_to_views(page, member)
    with override_settings(ROOT_URLCONF=EDITOR_URLS):
        editor_page(page, live_server, value="text")
    with page.expect_file_chooser() as chooser:
        page.click("[data-action=image]")
    chooser.value.set_files(files=[{"name": "x.png", "mimeType": "image/png", "buffer": b"<svg onload=alert(1)>"}])
    page.wait_for_function("() => document.querySelector('[data-editor-status]').textContent.includes('not a PNG')")
    assert page.input_value("textarea") == "text"
    assert not Attachment.objects.filter(uploader=member).exists()
