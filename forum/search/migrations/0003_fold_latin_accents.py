"""Latin accents are folded in the normalised text now (forum.core.arabic.normalise): recompute the
normalised columns of the documents already indexed, from the text they store (the PostgreSQL
`vector` column is generated from them and follows)."""

from django.db import migrations


def refold(apps, schema_editor):
    from forum.core.arabic import normalise
    from forum.search.text import normalise_words, stems_of

    SearchDocument = apps.get_model("search", "SearchDocument")
    batch = []
    for document in SearchDocument.objects.only("pk", "title_norm", "body_text").iterator(chunk_size=500):
        document.title_norm = normalise(document.title_norm)  # normalise is idempotent: folding what it gave
        document.body_norm = " ".join(normalise_words(document.body_text))
        document.stems = stems_of(document.title_norm, document.body_norm)
        batch.append(document)
        if len(batch) >= 500:
            SearchDocument.objects.bulk_update(batch, ["title_norm", "body_norm", "stems"])
            batch = []
    if batch:
        SearchDocument.objects.bulk_update(batch, ["title_norm", "body_norm", "stems"])


class Migration(migrations.Migration):
    dependencies = [("search", "0002_postgresql_vector")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop, elidable=True)]
