from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

from register.search import SEARCH_VECTOR, document_for

INDEX_NAME = "arrangement_search_gin"


def fill_documents(apps, schema_editor):
    Arrangement = apps.get_model("register", "Arrangement")
    Membership = apps.get_model("register", "Membership")
    for arrangement in Arrangement.objects.all():
        names = list(
            Membership.objects.filter(arrangement=arrangement)
            .order_by("authority__name")
            .values_list("authority__name", flat=True)
        )
        arrangement.search_document = document_for(arrangement, names)
        arrangement.save(update_fields=["search_document"])


def add_search_index(apps, schema_editor):
    # A GIN index of the English text-search vector: PostgreSQL only. SQLite
    # searches the same document with LIKE (see register/search.py).
    if schema_editor.connection.vendor == "postgresql":
        Arrangement = apps.get_model("register", "Arrangement")
        schema_editor.add_index(Arrangement, GinIndex(SEARCH_VECTOR, name=INDEX_NAME))


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        Arrangement = apps.get_model("register", "Arrangement")
        schema_editor.remove_index(Arrangement, GinIndex(SEARCH_VECTOR, name=INDEX_NAME))


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="arrangement",
            name="search_document",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="Title, summary, description and partner names, for free-text search.",
            ),
        ),
        migrations.RunPython(fill_documents, migrations.RunPython.noop),
        migrations.RunPython(add_search_index, remove_search_index),
    ]
