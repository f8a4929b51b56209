from io import StringIO

from django.core.management import call_command

from forum.categories.models import Category
from forum.discussions.models import Post, Reaction, Thread


def test_seed_demo_content_is_idempotent_and_multilingual(db):
    call_command("seed_demo", force=True, stdout=StringIO())
    counts = (Category.objects.count(), Thread.objects.count(), Post.objects.count(), Reaction.objects.count())
    # Four demo threads and the demo consultation's thread (forum.consultations.demo).
    assert counts[0] >= 6 and counts[1] == 5 and counts[2] > 10 and counts[3] > 3
    call_command("seed_demo_content", stdout=StringIO())
    call_command("seed_demo", force=True, stdout=StringIO())
    assert (Category.objects.count(), Thread.objects.count(), Post.objects.count(),
            Reaction.objects.count()) == counts
    titles = " ".join(Thread.objects.values_list("title", flat=True))
    assert "الانتهاكات" in titles and "citoyenneté" in titles and "Winter response" in titles
    assert Post.objects.filter(depth__gte=2).exists()
    consultation = Thread.objects.get(category__slug="consultation-constitution")
    assert consultation.posts.get(depth=0).reaction_counts.get("agree") == 2


def test_demo_categories_have_names_in_each_language(db):
    from django.utils import translation

    from forum.categories.models import Category

    call_command("seed_demo", force=True, stdout=StringIO())
    general = Category.objects.get(slug="general")
    for language, name in (("ar", "نقاش عام"), ("fr", "Discussion générale"), ("en", "General discussion")):
        with translation.override(language):
            assert general.display_name == name
