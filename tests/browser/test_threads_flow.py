"""Threads in a real Chromium against daphne: a member opens a thread in Arabic with formatting; a
second member (another browser context) finds it in the category list and replies, nested under
the post they answer — once with JavaScript (the reply form moves under the post) and once without
(the reply page)."""

import re

import pytest

from tests.browser.conftest import login
from tests.discussions.factories import make_category  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

TITLE = "خطة التوثيق المشتركة"
BODY = "نقترح **ثلاث خطوات**:\n\n- جمع الشهادات\n- حفظها بأمان\n\n> الشاهد أولاً"


def open_thread_in_arabic(page, category):
    page.goto(category.get_absolute_url())
    page.fill("#new-thread-title", TITLE)
    page.fill("#new-thread-source", BODY)
    page.locator("section.new-thread button[type=submit]:not([name=preview])").click()
    page.wait_for_url(re.compile(r"/t/\d+/$"))
    assert page.locator("h1").inner_text().strip() == TITLE
    body = page.locator("article.post.depth-0 .post-body")
    assert body.get_attribute("dir") == "rtl"
    assert body.locator("strong").inner_text() == "ثلاث خطوات"
    assert body.locator("li").count() == 2 and body.locator("blockquote").count() == 1
    return page.url


def test_member_opens_an_arabic_thread_and_another_replies_nested(live_server, new_page, make_user,
                                                                   make_category):  # noqa: F811
    category = make_category(name="العدالة الانتقالية")
    author = make_user(email="amal@example.org", display_name="أمل", preferred_language="ar")
    replier = make_user(email="karim@example.org", display_name="Karim")

    first = new_page(locale="ar")
    login(first, email=author.email)
    thread_url = open_thread_in_arabic(first, category)

    second = new_page()
    login(second, email=replier.email)
    second.goto(category.get_absolute_url())
    second.get_by_role("link", name=TITLE).click()
    second.wait_for_url(thread_url)
    root = second.locator("article.post.depth-0")
    root_id = root.get_attribute("data-post-id")
    root.locator("a.reply-link").click()
    # With JavaScript the one reply form moves under the post being answered.
    form = second.locator("form[data-reply-form]")
    assert second.locator(f"#post-{root_id} + form[data-reply-form]").count() == 1
    assert form.locator("input[name=parent]").input_value() == root_id
    form.locator("textarea").fill("I agree — *especially* the second step. أوافق تماماً.")
    form.locator("button[type=submit]:not([name=preview])").click()
    second.wait_for_url(re.compile(r"/t/\d+/(\?.*)?#post-\d+$"))
    reply = second.locator("article.post.depth-1")
    assert reply.count() == 1
    assert reply.get_attribute("data-parent-id") == root_id
    assert reply.locator(".post-body em").inner_text() == "especially"
    assert second.locator(".post-list details.replies[open]").count() == 1

    first.reload()
    assert first.locator("article.post.depth-1 .post-author").inner_text() == "Karim"
    for page in (first, second):
        assert page.outside_requests == []
        assert page.console_errors == []


def test_replying_works_without_javascript(live_server, browser, new_page, make_user, make_category):  # noqa: F811
    category = make_category()
    author = make_user(email="nour@example.org", display_name="Nour")
    replier = make_user(email="omar@example.org", display_name="عمر")
    first = new_page()
    login(first, email=author.email)
    thread_url = open_thread_in_arabic(first, category)

    context = browser.new_context(java_script_enabled=False, base_url=live_server.url, locale="en-GB")
    try:
        page = context.new_page()
        login(page, email=replier.email)
        page.goto(thread_url)
        page.locator("article.post.depth-0 a.reply-link").click()
        page.wait_for_url(re.compile(r"/t/\d+/reply/\d+/$"))
        page.fill("textarea[name=source]", "رد بدون جافاسكربت")
        page.locator("form.post-form button[type=submit]:not([name=preview])").click()
        page.wait_for_url(re.compile(r"#post-\d+$"))
        reply = page.locator("article.post.depth-1")
        assert reply.locator(".post-body").inner_text().strip() == "رد بدون جافاسكربت"
        # Folding a branch needs no script either: <details> does it.
        page.locator("details.replies > summary").click()
        assert page.locator("details.replies[open]").count() == 0
    finally:
        context.close()
