"""The living style page, /style/ (staff only): every component of the design system (static/css/
site.css) as the site draws it, in Arabic, French and English, each in its own language and
direction. The samples are made here, nothing is read from the database; the post cards come from
the real renderer (forum.discussions.cards) and the live message from its real template."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from forum.accounts import permissions as accounts
from forum.accounts.decorators import privileged_required
from forum.accounts.templatetags.accounts_tags import hue_class, initials
from forum.core import richtext

from .cards import CardRenderer
from .selectors import reaction_icon, reaction_label

# Sample people and text per language: names in the script the language writes.
SAMPLES = {
    "ar": {"people": ["ريم العلي", "كريم حداد", "Salma Idris"], "organisation": "جمعية نور",
           "post": "نقترح أن **تبدأ** المشاورة الأسبوع المقبل.\n\n- أولاً: المياه\n- ثانياً: التعليم\n\n> الحوار أساس العمل المدني.",
           "reply": "أوافق، مع إضافة جلسة مفتوحة للأعضاء.", "chat": "مرحباً بالجميع، نبدأ بعد دقيقتين.",
           "title": "حوار حول الدستور"},
    "fr": {"people": ["Amélie Dubois", "Karim Haddad", "ريم العلي"], "organisation": "Association Horizon",
           "post": "Nous proposons de **commencer** la consultation la semaine prochaine.\n\n- d’abord : l’eau\n- ensuite : l’éducation\n\n> Le dialogue est la base de l’action civique.",
           "reply": "D’accord, avec une séance ouverte aux membres.", "chat": "Bonjour à toutes et à tous, nous commençons dans deux minutes.",
           "title": "Dialogue sur la constitution"},
    "en": {"people": ["Salma Idris", "Karim Haddad", "ريم العلي"], "organisation": "Horizon Association",
           "post": "We propose to **start** the consultation next week.\n\n- first: water\n- then: education\n\n> Dialogue is the ground of civic action.",
           "reply": "Agreed, with an open session for members.", "chat": "Welcome all, we start in two minutes.",
           "title": "Dialogue on the constitution"},
}


def _person(pk: int, name: str) -> SimpleNamespace:
    return SimpleNamespace(pk=pk, public_name=name, deleted_at=None)


def _post(*, pk: int, author: SimpleNamespace, source: str, organisation: str, depth: int, reactions: dict,
          observer: bool = False) -> SimpleNamespace:
    buttons = [{"emoji": e, "label": reaction_label(e), "icon": reaction_icon(e), "count": n, "mine": False, "who": ""}
               for e, n in reactions.items()]
    return SimpleNamespace(
        pk=pk, author_id=author.pk, author_name=author.public_name, author_organisation={"name": organisation},
        author_is_observer=observer, on_behalf_of_id=None, deleted_at=None, hidden_at=None, edited_at=None,
        created_at=timezone.now() - timedelta(minutes=90 - pk), parent_id=None, depth=depth, depth_class=depth,
        path=f"{pk:04d}", reply_context=None, html=richtext.render_post(source), reaction_buttons=buttons,
        reaction_counts={e: n for e, n in reactions.items() if n},
        actions={"react": False, "edit": False, "delete": False, "report": False},
        urls=dict.fromkeys(("permalink", "revisions", "react", "reactions", "reply", "quote"), f"#style-post-{pk}"),
    )


def _section(request, language: str) -> dict:
    data = SAMPLES[language]
    people = [_person(i + 3, name) for i, name in enumerate(data["people"])]
    with translation.override(language):
        renderer = CardRenderer(request, can_reply=False)
        posts = [
            renderer.render(_post(pk=1, author=people[0], source=data["post"], organisation=data["organisation"],
                                  depth=0, reactions={"👍": 4, "❤️": 2, "👏": 1, "🤔": 0})),
            renderer.render(_post(pk=2, author=people[1], source=data["reply"], organisation=data["organisation"],
                                  depth=1, reactions={"agree": 3, "disagree": 1}, observer=True)),
        ]
    sent = (timezone.now() - timedelta(minutes=3)).isoformat()
    message = {"id": 1, "seq": 1, "sent_at": sent, "edited_at": None, "html": richtext.render_chat(data["chat"]),
               "author": {"id": people[2].pk, "name": people[2].public_name, "initials": initials(people[2].public_name),
                          "avatar": hue_class(people[2]), "organisation": data["organisation"], "observer": False}}
    reactions = [{"emoji": e, "label": reaction_label(e), "icon": reaction_icon(e), "pressed": i == 0}
                 for i, e in enumerate(("👍", "❤️", "👏", "🤔", "agree", "disagree"))]
    return {"code": language, "bidi": translation.get_language_info(language)["bidi"], "people": people,
            "posts": posts, "message": message, "reactions": reactions, "title": data["title"],
            "organisation": data["organisation"]}


# Tokens shown as swatches, with the class that paints each (no inline styles under the CSP).
SWATCHES = ("ink", "muted", "accent", "accent-ink", "danger", "warning-ink", "success-ink", "observer", "focus",
            "paper", "card", "surface-muted", "accent-soft", "danger-soft", "warning-soft", "info-soft", "line",
            "line-strong", "success-soft", "focus-soft", "highlight", "warning-line", "status-idle", "status-live",
            "status-wait", "header-bg", "header-ink")


@privileged_required
@require_GET
def style_guide(request):
    accounts.check_view_style_guide(request.user)
    sections = [_section(request, code) for code in ("ar", "fr", "en")]
    return render(request, "core/style_guide.html", {"sections": sections, "swatches": SWATCHES})
