"""A reply's Markdown is parsed once (issue #11 §3): the HTML, the mention keys, the quoted posts and
the images shown all come from the same token stream, and the hooks after it reuse what it found."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from forum.core import richtext
from forum.discussions import audience, services
from forum.notifications.models import Notification

SOURCES = [
    "Plain text, no markup at all.",
    "Hello @Karim and @[Rim Ali], see https://example.org/x. and `@code` and [a link @Karim](https://e.org)",
    "> **@[Samira]** [wrote](/t/post/12/):\n> quoted line\n\nMy answer @Samira.\n\n![plan](/t/attachments/7/)",
    "```\n@notamention /t/post/3/\n```\n\n> [not first line]\n> [wrote](/t/post/4/)\n\n- list @Karim.\n",
    "> [first](/t/post/5/)\n>> [nested](/t/post/6/)\n\n![x](/t/attachments/8/) ![y](https://other.example/z.png)",
    "www.example.org/a_(b) and mailto:x@example.org @karim.",
]


@pytest.mark.parametrize("source", SOURCES)
def test_one_parse_gives_what_the_separate_parses_gave(source):
    urls = {"karim": "/me/users/1/", "rim ali": "/me/users/2/", "samira": "/me/users/3/"}
    asked = []

    def resolve(keys):
        asked.append(set(keys))
        return {k: v for k, v in urls.items() if k in keys}

    rendered = richtext.render_post_parsed(source, resolve_mentions=resolve)
    keys = richtext.mention_keys(source)
    assert rendered.mention_keys == frozenset(keys)
    assert asked == ([keys] if keys else [])  # asked once, and not at all without a candidate
    assert rendered.html == richtext.render_post(source, mentions={k: v for k, v in urls.items() if k in keys})
    assert rendered.quoted_post_ids == frozenset(richtext.quoted_post_ids(source))
    assert rendered.attachment_ids == frozenset(richtext.attachment_ids(source))


def test_a_hostile_text_is_cleaned_the_same(source="<script>alert(1)</script> [x](javascript:alert(1)) @[a<b>]"):
    rendered = richtext.render_post_parsed(source, resolve_mentions=lambda keys: {"a<b>": "javascript:alert(2)"})
    assert "<script" not in rendered.html and "href=\"javascript" not in rendered.html
    assert rendered.html == richtext.render_post(source, mentions={"a<b>": "javascript:alert(2)"})


def _count_parses(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = MarkdownIt.parse

    def counting(self, src, env=None):
        calls.append(src)
        return real(self, src, env)

    monkeypatch.setattr(MarkdownIt, "parse", counting)
    return calls


def test_a_reply_through_the_form_parses_its_markdown_once(client, make_thread, make_post, make_user, member,
                                                           monkeypatch, django_capture_on_commit_callbacks):
    karim = make_user(role="member", display_name="Karim Haddad")
    thread = make_thread(author=make_user())
    quoted = make_post(thread=thread, author=karim, source="the quoted words")
    source = (f"> **@[Karim Haddad]** [wrote](/t/post/{quoted.pk}/):\n> the quoted words\n\n"
              "I agree with @Karim on this, see https://example.org/plan.")
    client.force_login(member)
    calls = _count_parses(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/t/{thread.pk}/reply/", {"source": source})
    assert response.status_code == 302
    assert [c for c in calls if c == source] == [source]  # the render's parse, nothing else
    post = thread.posts.latest("id")
    assert 'class="mention"' in post.html
    # The mention and the quote were still heard (from the same parse).
    assert Notification.objects.filter(recipient=karim, data__post_id=post.pk).exists()


def test_the_remembered_parse_is_bounded_and_falls_back_to_parsing(monkeypatch):
    for i in range(audience._PARSED_MAX + 5):
        rendered = richtext.render_post_parsed(f"text {i} @someone{i}")
        audience.remember_parse(f"text {i} @someone{i}", rendered)
    assert len(audience._parsed) == audience._PARSED_MAX
    assert audience.mention_keys("text 0 @someone0") == frozenset({"someone0"})  # forgotten: parsed again
    calls = _count_parses(monkeypatch)
    last = audience._PARSED_MAX + 4
    assert audience.mention_keys(f"text {last} @someone{last}") == frozenset({f"someone{last}"})
    assert calls == []  # remembered: no parse
    services  # noqa: B018 - the services import registers the hooks the reply test relies on
