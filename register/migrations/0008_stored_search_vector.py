"""A stored, indexed text-search vector on PostgreSQL, and search documents that hold
service areas and partnerships too.

The first release indexed ``to_tsvector(search_document)`` as an expression, so ranking
parsed every matching row's text again. PostgreSQL now keeps the vector in a generated
column (title weighted A, summary B, the rest C) with a GIN index. SQLite has no text
search: it gets no column, and searches the document with LIKE.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from register.search import SEARCH_VECTOR, VECTOR_SQL

TABLE = "register_arrangement"


def refill_documents(apps, schema_editor):
    """Each arrangement's document now also holds its service areas and partnership."""
    Arrangement = apps.get_model("register", "Arrangement")
    Membership = apps.get_model("register", "Membership")
    Tag = Arrangement.service_areas.through
    partners, areas = {}, {}
    for pk, name in Membership.objects.order_by("arrangement_id", "authority__name").values_list(
        "arrangement_id", "authority__name"
    ):
        partners.setdefault(pk, []).append(name)
    for pk, name, category in Tag.objects.order_by(
        "arrangement_id", "servicearea__name"
    ).values_list("arrangement_id", "servicearea__name", "servicearea__parent__name"):
        areas.setdefault(pk, []).extend([name, category] if category else [name])
    rows = []
    for arrangement in Arrangement.objects.select_related("partnership").only(
        "pk", "title", "summary", "description", "partnership__name"
    ):
        parts = [
            arrangement.title,
            arrangement.summary,
            arrangement.description,
            *partners.get(arrangement.pk, []),
            *areas.get(arrangement.pk, []),
            arrangement.partnership.name if arrangement.partnership_id else "",
        ]
        arrangement.search_document = "\n".join(p for p in parts if p)
        rows.append(arrangement)
    Arrangement.objects.bulk_update(rows, ["search_document"], batch_size=1000)


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS arrangement_search_gin")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({VECTOR_SQL}) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX arrangement_search_vector ON {TABLE} USING gin (search_vector)"
    )


def remove_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS arrangement_search_vector")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector")
    Arrangement = apps.get_model("register", "Arrangement")
    schema_editor.add_index(Arrangement, GinIndex(SEARCH_VECTOR, name="arrangement_search_gin"))


class Migration(migrations.Migration):
    dependencies = [("register", "0007_authority_dates")]

    operations = [
        migrations.RunPython(refill_documents, migrations.RunPython.noop),
        migrations.RunPython(add_vector, remove_vector),
    ]
