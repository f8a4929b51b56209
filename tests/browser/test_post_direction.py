"""Lists and quotes inside posts lay out on their own start side, in a real Chromium (issue #10 §1).

The geometry is what a reader sees: an Arabic list's markers and indent sit on the right, inside the
card; a French quote inside an Arabic post has its bar on the left; the post body of an Arabic post
computes as right to left whatever the interface language.
"""

import pytest

from tests.browser.conftest import login
from tests.discussions.factories import make_category, make_thread  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

ARABIC_POST = (
    "نقترح ثلاث خطوات:\n\n- جمع الشهادات\n- حفظها بأمان\n\n> الشاهد أولاً\n\n"
    "> Le témoin d'abord, puis le reste.\n\n- Premier point en français\n- Second point"
)
FRENCH_POST = (
    "Nous proposons trois étapes :\n\n- جمع الشهادات\n- حفظها بأمان\n\n> الشاهد أولاً\n\n"
    "1. Un\n2. Deux\n\n> Le témoin d'abord"
)

GEOMETRY = """(root) => {
  const box = (el) => el.getBoundingClientRect();
  const out = {body: getComputedStyle(root).direction, blocks: []};
  const card = box(root);
  for (const el of root.querySelectorAll("ul, ol, blockquote")) {
    const style = getComputedStyle(el);
    const b = box(el);
    const item = {tag: el.tagName, dir: style.direction, text: el.textContent.trim().slice(0, 20)};
    if (el.tagName === "BLOCKQUOTE") {
      item.bar = parseFloat(style.borderRightWidth) > 0 ? "right" : parseFloat(style.borderLeftWidth) > 0 ? "left" : "none";
    } else {
      // Where the text of each item starts, relative to the list's own box: the indent side.
      item.items = [...el.children].map((li) => {
        const r = box(li);
        const ls = getComputedStyle(li);
        return {dir: ls.direction, left: r.left - b.left, right: b.right - r.right,
                inside: r.left >= card.left - 0.5 && r.right <= card.right + 0.5};
      });
    }
    out.blocks.push(item);
  }
  return out;
}"""


def _layout(page, url):
    page.goto(url)
    return page.locator("article.post.depth-0 .post-body").evaluate(GEOMETRY)


def _assert_block_sides(layout):
    for block in layout["blocks"]:
        if block["tag"] == "BLOCKQUOTE":
            assert block["bar"] == ("right" if block["dir"] == "rtl" else "left"), block
        else:
            for item in block["items"]:
                # Each item is indented (and its marker sits) on its own start side, inside the card.
                start, end = ("right", "left") if item["dir"] == "rtl" else ("left", "right")
                assert item[start] > 10 and item[end] < 2, (block, item)
                assert item["inside"], (block, item)


@pytest.mark.parametrize("locale", ["fr", "ar", "en-GB"])
def test_arabic_and_french_blocks_take_their_own_side_in_every_interface(
        live_server, new_page, make_user, make_thread, locale):  # noqa: F811
    member = make_user(email="rim@example.org", display_name="ريم العلي", preferred_language=locale[:2])
    arabic = make_thread(author=member, title="خطة", source=ARABIC_POST)
    french = make_thread(author=member, title="Plan", source=FRENCH_POST)
    page = new_page(locale=locale)
    login(page, email=member.email)

    layout = _layout(page, arabic.get_absolute_url())
    assert layout["body"] == "rtl"
    dirs = [(b["tag"], b["dir"]) for b in layout["blocks"]]
    assert dirs == [("UL", "rtl"), ("BLOCKQUOTE", "rtl"), ("BLOCKQUOTE", "ltr"), ("UL", "ltr")]
    _assert_block_sides(layout)

    layout = _layout(page, french.get_absolute_url())
    assert layout["body"] == "ltr"
    dirs = [(b["tag"], b["dir"]) for b in layout["blocks"]]
    assert dirs == [("UL", "rtl"), ("BLOCKQUOTE", "rtl"), ("OL", "ltr"), ("BLOCKQUOTE", "ltr")]
    _assert_block_sides(layout)
    assert page.outside_requests == []


def test_the_preview_lays_out_blocks_like_the_post(live_server, new_page, make_user, make_category):  # noqa: F811
    category = make_category(name="Général")
    member = make_user(email="rim@example.org", display_name="ريم العلي", preferred_language="fr")
    page = new_page(locale="fr")
    login(page, email=member.email)
    page.goto(category.get_absolute_url())
    page.fill("#new-thread-source", ARABIC_POST)
    page.locator("section.new-thread [data-action=preview]").click()
    preview = page.locator("section.new-thread [data-editor-preview-body]")
    preview.locator("ul").first.wait_for()
    layout = preview.evaluate(GEOMETRY)
    assert layout["body"] == "rtl"
    _assert_block_sides(layout)
