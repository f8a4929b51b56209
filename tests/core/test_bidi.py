"""forum.core.bidi: user text inside translated sentences is isolated (issue #10 §1)."""

from django.template import Context, Template

from forum.core import bidi


def test_isolate_wraps_plain_text_in_first_strong_isolate_and_pop():
    assert bidi.isolate("ريم العلي") == "\u2068ريم العلي\u2069"


def test_stray_bidi_controls_cannot_close_the_isolate_early():
    assert bidi.isolate("a\u2069b\u202e") == "\u2068ab\u2069"
    assert bidi.bdi("a\u2069b") == "<bdi>ab</bdi>"


def test_bdi_escapes_the_text():
    assert bidi.bdi("<b>Ali</b> & co") == "<bdi>&lt;b&gt;Ali&lt;/b&gt; &amp; co</bdi>"


def test_sentence_isolates_every_value_in_html_and_in_plain_text():
    template = "%(actor)s a publié un message dans « %(thread)s »"
    values = {"actor": "ريم العلي", "thread": "Article <1>"}
    assert bidi.sentence(template, values, html=True) == (
        "<bdi>ريم العلي</bdi> a publié un message dans « <bdi>Article &lt;1&gt;</bdi> »")
    assert bidi.sentence(template, values) == (
        "\u2068ريم العلي\u2069 a publié un message dans « \u2068Article <1>\u2069 »")


def test_template_filters():
    html = Template("{% load i18n bidi_tags %}{% blocktranslate with n=name|bdi %}Remove {{ n }}{% endblocktranslate %}"
                    " <title>{{ name|isolate }}</title>")
    out = html.render(Context({"name": "ريم & <x>"}))
    assert out == "Remove <bdi>ريم &amp; &lt;x&gt;</bdi> <title>\u2068ريم &amp; &lt;x&gt;\u2069</title>"


def test_paragraphs_give_each_line_of_mixed_text_its_own_direction():
    from forum.core.bidi import paragraphs

    html = paragraphs("Ordre du jour\r\nجدول الأعمال\n\n  \nUn seul paragraphe <b>gras</b>\u202e\n")
    assert html == ('<p><span class="text-line" dir="auto">Ordre du jour</span>'
                    '<span class="text-line" dir="auto">جدول الأعمال</span></p>'
                    '<p dir="auto">Un seul paragraphe &lt;b&gt;gras&lt;/b&gt;</p>')
    assert paragraphs("") == "" and paragraphs(None) == ""
