"""The Markdown editor's toolbar in a real Chromium (issue #10 §1): on an empty line "list", "quote"
and "heading" select only their sample text, so typing keeps the prefix; links are added through an
inline, labelled form (Enter adds, Escape closes), never through the browser's prompt."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.discussions.factories import make_category  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def editor(live_server, new_page, make_user, make_category):  # noqa: F811
    category = make_category(name="Général")
    member = make_user(email="rim@example.org", display_name="ريم العلي", preferred_language="ar")
    page = new_page(locale="ar")
    login(page, email=member.email)
    page.goto(category.get_absolute_url())
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    return page


@pytest.mark.parametrize("action,prefix", [("list", "- "), ("quote", "> "), ("heading", "## ")])
def test_on_an_empty_line_typing_replaces_the_sample_and_keeps_the_prefix(editor, action, prefix):
    textarea = editor.locator("#new-thread-source")
    textarea.fill("مقدمة\n")
    textarea.press("End")
    textarea.evaluate("(t) => t.setSelectionRange(t.value.length, t.value.length)")
    editor.locator(f"section.new-thread [data-action={action}]").click()
    editor.keyboard.type("بند")
    assert textarea.input_value() == f"مقدمة\n{prefix}بند"
    textarea.evaluate("(t) => t.setSelectionRange(t.value.length, t.value.length)")
    textarea.press("Enter")
    editor.locator(f"section.new-thread [data-action={action}]").click()
    editor.keyboard.type("ثان")
    assert textarea.input_value() == f"مقدمة\n{prefix}بند\n{prefix}ثان"


def test_a_line_with_text_is_prefixed_whole(editor):
    textarea = editor.locator("#new-thread-source")
    textarea.fill("أولاً\nثانياً")
    textarea.evaluate("(t) => t.setSelectionRange(0, t.value.length)")
    editor.locator("section.new-thread [data-action=list]").click()
    assert textarea.input_value() == "- أولاً\n- ثانياً"


def test_links_use_an_inline_labelled_form_enter_adds_escape_closes(editor):
    textarea = editor.locator("#new-thread-source")
    start_url = editor.url
    textarea.fill("اقرأ التقرير هنا")
    textarea.evaluate("(t) => t.setSelectionRange(5, 12)")  # "التقرير"
    form = editor.locator("section.new-thread [data-editor-link-form]")
    assert form.is_hidden()

    textarea.press("Control+k")
    address = editor.get_by_role("textbox", name="عنوان الرابط (https://…)")
    assert form.is_visible() and address.evaluate("(el) => el === document.activeElement")
    address.press("Escape")
    assert form.is_hidden() and textarea.evaluate("(t) => t === document.activeElement")
    assert textarea.input_value() == "اقرأ التقرير هنا"

    editor.locator("section.new-thread [data-action=link]").click()
    address.fill("javascript:alert(1)")
    address.press("Enter")
    assert form.is_visible()
    assert editor.locator("section.new-thread [data-editor-link-error]").inner_text().strip()
    address.fill("https://example.org/rapport")
    address.press("Enter")  # adds the link; does not submit the thread form
    assert form.is_hidden()
    assert textarea.input_value() == "اقرأ [التقرير](https://example.org/rapport) هنا"
    assert editor.url == start_url
    assert editor.dialogs == []


def test_the_toolbar_is_built_in_the_readers_language(editor):
    """The page carries no toolbar (issue #11 §4); editor.js builds it with the words of the page's
    catalogue, so an Arabic page gets Arabic names, and the link form too."""
    toolbar = editor.locator("section.new-thread .editor-toolbar")
    expect(toolbar.locator("[data-action=bold]")).to_have_accessible_name("غامق")
    assert toolbar.get_attribute("aria-label") == "التنسيق"
    assert [b.get_attribute("tabindex") for b in toolbar.locator("button").all()][:3] == ["0", "-1", "-1"]
    toolbar.locator("[data-action=link]").click()
    expect(editor.locator("section.new-thread [data-editor-link-form] label")).to_have_text("عنوان الرابط (https://…)")
