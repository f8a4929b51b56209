"""The editor: the templates/core/_editor.html include (POST /preview/ is tested in tests/discussions)."""

from __future__ import annotations

import re

from django.template import Context, Template

from forum.core.richtext import render_post


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


def test_the_toolbar_and_the_link_form_are_left_to_the_script(db):
    """They do nothing without JavaScript, so the page does not carry them (issue #11 §4: 3–4 KB a
    page); static/js/editor.js builds them (tests/browser/test_xss_browser.py, test_editor_toolbar.py)."""
    html = render_editor(name="source")
    assert "editor-toolbar" not in html and "data-action" not in html and "data-msg-" not in html
    assert "data-editor-link-form" not in html
    assert 'data-preview-url="/preview/"' in html and 'data-upload-url="/t/attachments/upload/"' in html


def test_the_scripts_words_for_the_editor_are_in_the_catalogues(db):
    """Every word editor.js shows comes from the scripts' catalogue in the reader's language."""
    from forum.core import catalogue

    french = catalogue.built("fr")[0].decode()
    arabic = catalogue.built("ar")[0].decode()
    for english, word in (("Add the link", "Ajouter le lien"), ("Bold (Ctrl+B)", "Gras (Ctrl+B)"),
                          ("Formatting", "Mise en forme")):
        assert f'"{english}":"{word}"' in french
    assert '"Bulleted list":"' in arabic and '"Link address (https://…)":"' in arabic


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


def test_editor_points_the_script_at_the_preview_url_when_it_is_wired(db):
    html = render_editor(name="source")
    assert 'data-preview-url="/preview/"' in html
