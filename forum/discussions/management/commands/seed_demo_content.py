"""manage.py seed_demo_content: demo categories, threads and replies in Arabic, French and English.

Idempotent: categories are matched by slug and threads by title, so running it again adds nothing.
Posts go through the real services (rendered, counted, notified); authors are the demo accounts
of `seed_demo` when they exist, otherwise any active members. It holds no secrets, so unlike
`seed_demo` (which calls it, and refuses to run with DEBUG off) it has no guard of its own.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand
from django.db import transaction
from django.http import Http404
from django.test.utils import override_settings

from forum.accounts.models import User
from forum.categories.models import Category
from forum.core import conf
from forum.discussions import services
from forum.discussions.models import Thread
from forum.organisations import demo

# slug, name, description, options
CATEGORIES = [
    ("general", "General discussion — نقاش عام", "Questions and news for everyone. — أسئلة وأخبار للجميع.", {}),
    ("announcements", "Announcements — إعلانات", "News from the federation's coordinators.",
     {"parent": "general", "start_policy": "moderators"}),
    ("transitional-justice", "العدالة الانتقالية", "التوثيق والمساءلة وجبر الضرر.", {}),
    ("humanitarian", "Humanitarian coordination", "Needs, access and coordination between organisations.", {}),
    ("consultation-constitution", "Consultation : principes constitutionnels",
     "Les organisations donnent leur position, article par article.",
     {"is_consultation": True, "start_policy": "representatives"}),
    ("representatives-council", "مجلس الممثلين — Representatives' council",
     "A restricted space for organisation representatives.",
     {"visibility": "restricted", "allowed_roles": ["representative", "moderator"]}),
    ("public-statements", "Déclarations publiques — بيانات عامة",
     "Statements readable by visitors when public reading is on.", {"visibility": "public"}),
]
# Each category's name and description in the three languages (the defaults above stay the fallback).
NAMES = {
    "general": ("نقاش عام", "Discussion générale", "General discussion",
                "أسئلة وأخبار للجميع.", "Questions et nouvelles pour tous.", "Questions and news for everyone."),
    "announcements": ("إعلانات", "Annonces", "Announcements", "أخبار من منسّقي الاتحاد.",
                      "Nouvelles des coordinateurs de la fédération.", "News from the federation's coordinators."),
    "transitional-justice": ("العدالة الانتقالية", "Justice transitionnelle", "Transitional justice",
                             "التوثيق والمساءلة وجبر الضرر.", "Documentation, responsabilité et réparations.",
                             "Documentation, accountability and reparations."),
    "humanitarian": ("التنسيق الإنساني", "Coordination humanitaire", "Humanitarian coordination",
                     "الاحتياجات والوصول والتنسيق بين المنظمات.",
                     "Besoins, accès et coordination entre organisations.",
                     "Needs, access and coordination between organisations."),
    "consultation-constitution": ("استشارة: المبادئ الدستورية", "Consultation : principes constitutionnels",
                                  "Consultation: constitutional principles",
                                  "تُبدي المنظمات موقفها مادةً مادة.",
                                  "Les organisations donnent leur position, article par article.",
                                  "Organisations give their position, article by article."),
    "representatives-council": ("مجلس الممثلين", "Conseil des représentants", "Representatives' council",
                                "مساحة مقيّدة لممثّلي المنظمات.", "Un espace réservé aux représentants.",
                                "A restricted space for organisation representatives."),
    "public-statements": ("بيانات عامة", "Déclarations publiques", "Public statements",
                          "بيانات يقرؤها الزوار حين تكون القراءة العامة مفعّلة.",
                          "Déclarations lisibles par les visiteurs quand la lecture publique est ouverte.",
                          "Statements readable by visitors when public reading is on."),
}

# category slug, title, author key, opening post, replies as (author key, parent index or None, text)
THREADS = [
    ("transitional-justice", "كيف نوثّق الانتهاكات دون أن نعرّض الشهود للخطر؟", "member-bina",
     "نعمل في **حمص** على توثيق شهادات المعتقلين السابقين.\n\nأسئلتنا:\n\n"
     "1. كيف نحفظ البيانات بأمان؟\n2. متى نطلب الموافقة المكتوبة؟\n\n> الشاهد أولاً، ثم الوثيقة.",
     [("rep-bina", None, "نستخدم تخزيناً مشفّراً ولا نحتفظ بالأسماء الحقيقية في الملفات نفسها."),
      ("member-dawn", 0, "هل لديكم دليل مكتوب يمكن مشاركته مع المتطوعين الجدد؟"),
      ("rep-bina", 1, "نعم، سننشره هنا بعد مراجعته *قانونياً*."),
      ("member-jasmin", None, "Nous pouvons aider pour la relecture juridique, en français ou en arabe."),
      ("member-bina", 3, "شكراً جزيلاً، سنتواصل معكم.")]),
    ("consultation-constitution", "Article 1 : la citoyenneté égale", "rep-lamsa",
     "Proposition : « Tous les citoyens sont égaux devant la loi, sans distinction de religion, "
     "de sexe ou d'origine. »\n\nVotre organisation est-elle **d'accord** ?",
     [("rep-bina", None, "نوافق، مع إضافة الحق في الجنسية لأبناء الأمهات السوريات."),
      ("member-jasmin", 0, "Bonne remarque : c'est un point majeur pour la diaspora."),
      ("member-olive", None, "We agree in principle; the wording on origin should include statelessness.")]),
    ("humanitarian", "Winter response: shared stock list for north-west Syria", "member-olive",
     "We are collecting stock levels of **blankets, fuel and stoves** per district.\n\n"
     "| district | blankets | stoves |\n|---|---|---|\n| Idlib | 1200 | 80 |\n| Afrin | 450 | 35 |",
     [("member-dawn", None, "Dawn Youth can add numbers for Atmeh camps by Thursday."),
      ("member-lamsa", 0, "Could you include the number of families per camp too?"),
      ("member-dawn", 1, "Yes — we will add a column."),
      ("moderator", None, "Pinned for the season. Please keep one message per update.")]),
    ("general", "Bienvenue ! Présentez votre organisation — مرحباً! عرّفوا بمنظمتكم", "moderator",
     "Bienvenue sur Madaniya. Dites-nous en quelques lignes qui vous êtes.\n\n"
     "أهلاً بكم في مدنية. عرّفونا بمنظمتكم في بضعة أسطر.",
     [("member-lamsa", None, "Lamsa Civic Forum: neighbourhood committees in Aleppo working on local services."),
      ("member-bina", None, "جمعية بناء للتنمية: التعليم والتدريب المهني للشباب في حمص."),
      ("member-jasmin", None, "Réseau Jasmin : documentation et plaidoyer depuis Paris.")]),
]

REACTIONS = [  # (thread index, post index (0 = opening), user key, reaction)
    (0, 0, "member-jasmin", "👍"), (0, 0, "rep-lamsa", "❤️"), (0, 1, "member-dawn", "👏"),
    (1, 0, "rep-bina", "agree"), (1, 0, "member-olive", "agree"), (1, 0, "member-dawn", "disagree"),
    (2, 0, "member-lamsa", "👍"),
]


class Command(BaseCommand):
    help = "Create demo categories, threads and replies (Arabic, French, English). Idempotent."

    def handle(self, *args, **options):
        with transaction.atomic():
            categories = self.seed_categories()
            # Demo posts are written in a burst: lift the flood limit for this command only; and
            # they are published as written (the demo members are "new", but nobody would approve them).
            with override_settings(FORUM_RATE_LIMITS={**conf.FORUM_RATE_LIMITS, "post": "100000/m"},
                                   FORUM_MODERATION_NEW_MEMBER_POSTS=0):
                created = self.seed_threads(categories)
        self.stdout.write(self.style.SUCCESS(
            f"Demo content ready: {len(categories)} categories, {created} new threads."))

    def seed_categories(self) -> dict[str, Category]:
        result: dict[str, Category] = {}
        for position, (slug, name, description, options) in enumerate(CATEGORIES):
            options = dict(options)
            parent = result.get(options.pop("parent", None) or "")
            category, _created = Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description, "position": position,
                                     "parent": parent, **self._names(slug), **options})
            result[slug] = category
        moderator = User.objects.filter(email=f"moderator@{demo.DEMO_DOMAIN}").first()
        if moderator is not None:
            result["humanitarian"].moderators.add(moderator)
        return result

    @staticmethod
    def _names(slug: str) -> dict[str, str]:
        names = NAMES.get(slug)
        if names is None:
            return {}
        fields = ("name_ar", "name_fr", "name_en", "description_ar", "description_fr", "description_en")
        return dict(zip(fields, names, strict=True))

    def _users(self) -> dict[str, User]:
        users = {u.email.split("@", 1)[0]: u
                 for u in User.objects.filter(email__endswith=f"@{demo.DEMO_DOMAIN}", is_active=True,
                                              deleted_at__isnull=True)}
        fallback = list(User.objects.filter(is_active=True, deleted_at__isnull=True, role__in=["admin", "member"])
                        .order_by("pk")[:5])
        for spec in demo.USERS:
            if spec.key not in users and fallback:
                users[spec.key] = fallback[len(users) % len(fallback)]
        return users

    def seed_threads(self, categories) -> int:
        users = self._users()
        admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if not users and admin is None:
            self.stdout.write("No accounts yet: run seed_demo first to get demo threads.")
            return 0
        created = 0
        threads = []
        for slug, title, author_key, source, replies in THREADS:
            category = categories[slug]
            thread = Thread.objects.filter(category=category, title=title).first()
            if thread is None:
                author = users.get(author_key) or admin
                thread = self._create_thread(category=category, title=title, source=source, author=author,
                                             admin=admin)
                posts = [thread.posts.get(depth=0)]
                for reply_author, parent_index, text in replies:
                    parent = posts[parent_index + 1] if parent_index is not None else posts[0]
                    posts.append(services.post_create(author=users.get(reply_author) or admin, thread=thread,
                                                      source=text, parent=parent))
                created += 1
                if slug == "humanitarian" and admin is not None:
                    Thread.objects.filter(pk=thread.pk).update(pinned=True)
            threads.append(thread)
        for thread_index, post_index, user_key, emoji in REACTIONS:
            thread, user = threads[thread_index], users.get(user_key)
            posts = list(thread.posts.order_by("id"))
            if user is None or post_index >= len(posts):
                continue
            post = posts[post_index]
            if not post.reactions.filter(user=user, emoji=emoji).exists():
                services.reaction_toggle(actor=user, post=post, emoji=emoji)
        return created

    def _create_thread(self, *, category, title, source, author, admin):
        try:
            return services.thread_create(author=author, category=category, title=title, source=source)
        except (PermissionDenied, Http404):
            # The demo author may not be allowed there (e.g. a start policy): the admin opens it.
            return services.thread_create(author=admin, category=category, title=title, source=source)
