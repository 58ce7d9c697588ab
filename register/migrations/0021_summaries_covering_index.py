"""A covering index of what the summaries and the lists' filters read of each
arrangement, and the list's default order with the columns its filters test
(PostgreSQL only; SQLite keeps the list's index as the model declares it).

Their passes read a few stored figures of every arrangement in view: whether the reader
may see it, its status and kind, who takes part (the partner words) and their tiers,
levels and regions, its partnership and programme (the sources), its partner count and
its savings. Read from the table, each pass reads every row with all its text (some
76 MB at 50,000 arrangements), and a pass over arrangements chosen by their service
areas fetches each row by its id; read from this index, PostgreSQL answers from the
index alone once the rows are marked all-visible, as autovacuum does.

An index holds at most 32 columns (PostgreSQL's INDEX_MAX_KEYS), so this one has exactly
what those passes read. The first covering index of the figures (migration 0015), which
held the totals by basis too, went with the partner-bits column it held (migration 0017)
and could not be built again with the 16 partner words in its place (47 columns). The
totals by basis of a narrowed list still read the table. SQLite
cannot build an index with non-key columns, and at its sizes needs none.
"""

from django.db import migrations, models

SUMMARIES_INDEX = models.Index(
    fields=["id"],
    include=[
        "exempt",
        "status",
        "kind",
        "has_savings",
        "partner_count",
        "tier_mask",
        "level_mask",
        "region_mask",
        "partnership_id",
        "parent_id",
        *(
            f"savings_{part}"
            for part in ("lower", "upper", "approximate", "figures", "percentages")
        ),
        *(f"partners_{word}" for word in range(16)),
    ],
    name="arrangement_summaries",
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("register", "Arrangement"), SUMMARIES_INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS arrangement_summaries")


# The list's default order (Arrangement.Meta's arrangement_title) with the columns its
# filters test, so that a narrowed list's page is found in the index alone rather than by
# reading each row in title order to test it. SQLite keeps the model's index as it is.
TITLE_FILTERS = (
    "status",
    "kind",
    "tier_mask",
    "level_mask",
    "region_mask",
    "partnership_id",
    "parent_id",
    "has_savings",
    "open_to_members",
    "savings_lower",
    "start_date",
)


def _title_index(schema_editor, include):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS arrangement_title")
    columns = f" INCLUDE ({', '.join(include)})" if include else ""
    schema_editor.execute(
        "CREATE INDEX arrangement_title ON register_arrangement (title, id, exempt)" + columns
    )


def title_index_with_filters(apps, schema_editor):
    _title_index(schema_editor, TITLE_FILTERS)


def title_index_alone(apps, schema_editor):
    _title_index(schema_editor, ())


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0020_open_to_members_combined_authorities_coordinates"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(title_index_with_filters, title_index_alone),
    ]
