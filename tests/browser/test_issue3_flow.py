# ruff: noqa: F811
"""Issue #3 §9, end to end in Debian Chromium against daphne: member A (Arabic interface) opens a
thread in Arabic, formatted with the editor's toolbar (bold, a list, a link); member B, watching the
category page in another browser context, is told live that something new arrived and finds the
thread's row put in place by the banner it offers; B answers A's opening post nested, quoting a selected passage and
@mentioning A; A's open thread page announces the reply live and inserts it in place under the post
it answers; A's notification badge rises and the list says who answered and quotes the words; A
finds the thread from the search page with the title spelled differently (hamza, ta marbuta,
tashkeel). Every page A sees is right-to-left, and no page contacts another host."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.browser.conftest import login
from tests.discussions.factories import make_category  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

TITLE = "مبادرة إعادة تأهيل المدارس في إدلب"
# The same words as a hurried writer types them: bare alef for أ/إ, ه for ة, and vowel marks added.
QUERY = "مُبَادَرَه اعاده تاهيل ادلب"
# Plain text typed into the editor; the toolbar then makes the Markdown.
PLAIN = "نقترح ثلاث خطوات:\nجمع الشهادات\nحفظها بأمان\n\nالتقرير الكامل"
LINK = "https://example.org/report"
PASSAGE = "حفظها بأمان"


def ar(message: str) -> str:
    with translation.override("ar"):
        return translation.gettext(message)


def assert_arabic_page(page) -> None:
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("html").get_attribute("dir") == "rtl"


def select_in_textarea(page, selector: str, text: str) -> None:
    found = page.eval_on_selector(selector, """(area, text) => {
        const start = area.value.indexOf(text);
        if (start < 0) return false;
        area.focus();
        area.setSelectionRange(start, start + text.length);
        return true;
    }""", text)
    assert found, f"{text!r} is not in {selector}"


def select_passage(page, post_selector: str, text: str) -> None:
    """Select `text` inside the rendered post as a reader would with the mouse."""
    found = page.eval_on_selector(post_selector, """(post, text) => {
        const walker = document.createTreeWalker(post, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const start = node.data.indexOf(text);
            if (start < 0) continue;
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, start + text.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return true;
        }
        return false;
    }""", text)
    assert found, f"{text!r} is not in {post_selector}"


def test_issue3_arabic_thread_nested_quoting_reply_live_notification_and_search(
        live_server, new_page, make_user, make_category):
    category = make_category(name="التعليم")
    amal = make_user(email="amal@example.org", display_name="أمل", preferred_language="ar")
    karim = make_user(email="karim@example.org", display_name="Karim")

    # B watches the category's thread list before anything is posted.
    b = new_page()
    login(b, email=karim.email)
    b.goto(category.get_absolute_url())
    b.locator("[data-live-lists][data-live=connected]").wait_for(state="attached")
    assert b.get_by_role("link", name=TITLE).count() == 0

    # A: the saved language wins over the browser's (an English browser here).
    a = new_page()
    login(a, email=amal.email)
    a.goto(category.get_absolute_url())
    assert_arabic_page(a)
    a.fill("#new-thread-title", TITLE)
    a.fill("#new-thread-source", PLAIN)
    toolbar = a.locator("section.new-thread .editor-toolbar")
    toolbar.wait_for(state="visible")
    select_in_textarea(a, "#new-thread-source", "ثلاث خطوات")
    toolbar.locator("[data-action=bold]").click()
    select_in_textarea(a, "#new-thread-source", "جمع الشهادات\nحفظها بأمان")
    toolbar.locator("[data-action=list]").click()
    select_in_textarea(a, "#new-thread-source", "التقرير الكامل")
    toolbar.locator("[data-action=link]").click()  # an inline form, not the browser's prompt
    address = a.locator("section.new-thread [data-editor-link-form] input")
    address.fill(LINK)
    address.press("Enter")
    assert a.locator("#new-thread-source").input_value() == (
        f"نقترح **ثلاث خطوات**:\n- جمع الشهادات\n- حفظها بأمان\n\n[التقرير الكامل]({LINK})")
    # The server-rendered preview shows the formatting before anything is saved.
    toolbar.locator("[data-action=preview]").click()
    a.locator("section.new-thread [data-editor-preview-body] strong", has_text="ثلاث خطوات").wait_for()
    a.locator("section.new-thread button[type=submit]:not([name=preview])").click()
    a.wait_for_url(re.compile(r"/t/\d+/$"))
    thread_url = a.url
    assert_arabic_page(a)
    assert a.locator("h1").inner_text().strip() == TITLE
    opening = a.locator("article.post.depth-0")
    root_id = opening.get_attribute("data-post-id")
    body = opening.locator(".post-body")
    assert body.get_attribute("dir") == "rtl"  # the post's own direction (its first letter)
    assert body.locator("strong").inner_text() == "ثلاث خطوات"
    assert body.locator("ul > li").all_inner_texts() == ["جمع الشهادات", PASSAGE]
    link = body.locator(f"a[href='{LINK}']")
    assert link.inner_text() == "التقرير الكامل"
    assert set(link.get_attribute("rel").split()) >= {"nofollow", "ugc", "noopener"}
    a.locator(".post-list[data-live=connected]").wait_for(state="attached")
    assert a.locator("[data-notification-badge] .badge").count() == 0

    # B's list says, live, that something new arrived; the banner it offers puts the thread's row in place.
    notice = b.locator("[data-live-rows] .live-banner-button")
    notice.wait_for(state="visible")
    notice.click()
    b.locator("[data-thread-rows] tr.thread-row").first.wait_for(state="attached")
    b.get_by_role("link", name=TITLE).click()
    b.wait_for_url(thread_url)

    # B quotes a passage of A's opening post (selected on the page) and mentions A.
    select_passage(b, f"#post-{root_id} .post-body", PASSAGE)
    b.locator(f"#post-{root_id} a.quote-link").click()
    form = b.locator("form[data-reply-form]")
    assert b.locator(f"#post-{root_id} + form[data-reply-form]").count() == 1
    assert form.locator("input[name=parent]").input_value() == root_id
    area = form.locator("textarea")
    quoted = area.input_value()
    assert quoted == f"> [أمل wrote:](/t/post/{root_id}/)\n>\n> {PASSAGE}\n\n"
    area.press("Control+End")
    b.keyboard.type("@أمل I agree, and the archive needs two copies.")
    form.locator("button[type=submit]:not([name=preview])").click()
    b.wait_for_url(re.compile(r"/t/\d+/(\?.*)?#post-\d+$"))
    reply_id = b.url.rsplit("#post-", 1)[1]
    sent = b.locator(f"#post-{reply_id}")
    assert sent.get_attribute("data-parent-id") == root_id

    # A's open page: a banner first, nothing moves; then the reply in place under the opening post.
    banner = a.locator("[data-live-thread] .live-banner-button")
    banner.wait_for(state="visible")
    # A template's {% translate %} doubles the percent sign in the message id.
    assert banner.inner_text() == ar("Show new replies: %%s").replace("%%s", "1")
    assert a.locator(f"#post-{reply_id}").count() == 0
    banner.click()
    arrived = a.locator(f"#post-{reply_id}")
    arrived.wait_for(state="attached")
    assert arrived.get_attribute("data-parent-id") == root_id
    assert "depth-1" in arrived.get_attribute("class").split()
    assert a.evaluate(
        f"document.getElementById('post-{root_id}').compareDocumentPosition("
        f"document.getElementById('post-{reply_id}')) & Node.DOCUMENT_POSITION_FOLLOWING") != 0
    assert a.locator(f".post-list #post-{reply_id}").count() == 1
    quote = arrived.locator(".post-body blockquote")
    assert PASSAGE in quote.inner_text()
    assert quote.locator(f"a[href='/t/post/{root_id}/']").count() == 1
    mention = arrived.locator(".post-body a", has_text="@أمل")
    assert mention.get_attribute("href") == reverse("accounts:profile", kwargs={"user_id": amal.pk})
    assert banner.is_hidden()

    # A's badge rises live; the list names the reply (the strongest of reply, mention and quote:
    # one notice per post) and shows the words.
    badge = a.locator("[data-notification-badge] .badge")
    badge.wait_for(state="visible")
    assert badge.inner_text() == "1"
    a.click("[data-notification-badge]")
    a.wait_for_load_state("networkidle")
    assert_arabic_page(a)
    item = a.locator(".notification-list li.notification").first
    with translation.override("ar"):
        said = translation.gettext("%(actor)s replied to you in “%(thread)s”") % {
            "actor": "Karim", "thread": TITLE}
    assert item.locator(".notification-text").inner_text() == said
    assert "notification-unread" in item.get_attribute("class").split()
    excerpt = item.locator(".notification-excerpt").inner_text()
    assert PASSAGE in excerpt and "@أمل" in excerpt
    assert a.locator(".notification-list li.notification").count() == 1

    # Search from /search/ with the title spelled differently.
    a.goto("/search/")
    assert_arabic_page(a)
    a.fill("input[name=q]", QUERY)
    a.locator("form.search-form button[type=submit]").click()
    a.wait_for_load_state("networkidle")
    assert_arabic_page(a)
    hit = a.locator(".search-result h3 a", has_text=TITLE)
    assert hit.count() == 1  # the opening post (the only one carrying the title's words)
    hit.click()
    a.wait_for_url(re.compile(r"/t/\d+/"))
    assert a.url.split("#")[0].split("?")[0] == thread_url
    assert a.locator("h1").inner_text().strip() == TITLE

    for page in (a, b):
        assert page.outside_requests == []
        assert page.console_errors == []
