"""On PostgreSQL only: a generated tsvector column over the normalised text, with a GIN index.

Arabic is matched through the 'simple' configuration (the text is already normalised), French and
English words are stemmed by their own configurations; title words weigh most (A), body words
next (B), article-less forms of Arabic words least (C). The column is generated, so every write
of the text columns keeps it right without any code. SQLite gets nothing here: it searches the
normalised text with LIKE.
"""

from django.db import migrations

CONFIGS = ("simple", "french", "english")


def _weighted(column: str, weight: str) -> str:
    return " || ".join(f"setweight(to_tsvector('{config}'::regconfig, coalesce({column}, '')), '{weight}')"
                       for config in CONFIGS)


VECTOR = " || ".join((_weighted("title_norm", "A"), _weighted("body_norm", "B"), _weighted("stems", "C")))


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE search_searchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    schema_editor.execute("CREATE INDEX search_document_vector_gin ON search_searchdocument USING gin (vector)")


def remove_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS search_document_vector_gin")
    schema_editor.execute("ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector")


class Migration(migrations.Migration):

    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(add_vector, remove_vector)]
