"""A covering index of the figures stored on each arrangement row (PostgreSQL only).

Totals, summaries and the list's filters aggregate over every visible arrangement. Read
from the table, that is a pass over every row with all its text (160 MB at 50,000
arrangements); read from this index (about 17 MB), PostgreSQL answers from the index
alone once the rows are marked all-visible, as autovacuum does. SQLite cannot build an
index with non-key columns, and at its sizes needs none.
"""

from django.db import migrations, models

INDEX = models.Index(
    fields=["exempt", "id"],
    include=[
        "status",
        "kind",
        "has_savings",
        "partnership_id",
        "parent_id",
        "partner_count",
        "partner_bits",
        "tier_mask",
        "level_mask",
        "region_mask",
        *(
            f"{prefix}_{part}"
            for prefix in ("savings", "estimated", "forecast", "achieved")
            for part in ("lower", "upper", "approximate", "figures", "percentages")
        ),
    ],
    name="arrangement_figures",
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("register", "Arrangement"), INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS arrangement_figures")


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0014_sort_indexes_with_exempt"),
    ]

    operations = [migrations.RunPython(create, drop)]
