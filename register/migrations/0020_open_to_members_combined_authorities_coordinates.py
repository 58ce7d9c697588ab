"""Arrangements open to new members, with a contact; each authority's combined authority
and how its coordinates were obtained. And, on PostgreSQL only, a narrow covering index
of what the partner finder reads of each arrangement of a service (whether the reader
may see it, whether it counts as sharing, who takes part, their tier levels, whether it
welcomes new members), so that looking up thousands of them by id reads the index alone
rather than every row with all its text. SQLite cannot build an index with non-key
columns, and at its sizes needs none.
"""

from django.db import migrations, models

PARTNER_FINDER_INDEX = models.Index(
    fields=["id"],
    include=[
        "exempt",
        "status",
        "level_mask",
        "open_to_members",
        *(f"partners_{word}" for word in range(16)),
    ],
    name="arrangement_partner_finder",
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("register", "Arrangement"), PARTNER_FINDER_INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS arrangement_partner_finder")


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0019_status_totals"),
    ]

    operations = [
        migrations.AddField(
            model_name="arrangement",
            name="contact_email",
            field=models.EmailField(
                blank=True,
                help_text="A team's shared mailbox, e.g. shared.revenues@example.gov.uk: never a person's own address or any private details (the page is public). Only when it welcomes new members.",
                max_length=254,
                verbose_name="shared mailbox",
            ),
        ),
        migrations.AddField(
            model_name="arrangement",
            name="contact_role",
            field=models.CharField(
                blank=True,
                help_text="A job title, e.g. Head of Shared Revenues: never a person's name. Only when it welcomes new members.",
                max_length=120,
                verbose_name="contact's role",
            ),
        ),
        migrations.AddField(
            model_name="arrangement",
            name="open_to_members",
            field=models.BooleanField(
                db_index=True,
                default=False,
                help_text="Tick when the partners would welcome other councils into it. A contact is then required, and is allowed only then.",
                verbose_name="welcomes new members",
            ),
        ),
        migrations.AddField(
            model_name="authority",
            name="combined_authority",
            field=models.CharField(
                blank=True,
                help_text="The source's code of the combined authority (or Greater London Authority) whose area it lies in today, e.g. WYCA; empty for none.",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="authority",
            name="combined_authority_name",
            field=models.CharField(
                blank=True, help_text="Its name, e.g. West Yorkshire.", max_length=120
            ),
        ),
        migrations.AddField(
            model_name="authority",
            name="coordinates_note",
            field=models.CharField(
                blank=True,
                help_text="Empty when the coordinates are the source's own; otherwise how they were worked out (fixtures/authority_coordinates.csv), e.g. for an abolished council.",
                max_length=300,
            ),
        ),
        migrations.AddField(
            model_name="historicalarrangement",
            name="contact_email",
            field=models.EmailField(
                blank=True,
                help_text="A team's shared mailbox, e.g. shared.revenues@example.gov.uk: never a person's own address or any private details (the page is public). Only when it welcomes new members.",
                max_length=254,
                verbose_name="shared mailbox",
            ),
        ),
        migrations.AddField(
            model_name="historicalarrangement",
            name="contact_role",
            field=models.CharField(
                blank=True,
                help_text="A job title, e.g. Head of Shared Revenues: never a person's name. Only when it welcomes new members.",
                max_length=120,
                verbose_name="contact's role",
            ),
        ),
        migrations.AddField(
            model_name="historicalarrangement",
            name="open_to_members",
            field=models.BooleanField(
                db_index=True,
                default=False,
                help_text="Tick when the partners would welcome other councils into it. A contact is then required, and is allowed only then.",
                verbose_name="welcomes new members",
            ),
        ),
        migrations.AddField(
            model_name="historicalauthority",
            name="combined_authority",
            field=models.CharField(
                blank=True,
                help_text="The source's code of the combined authority (or Greater London Authority) whose area it lies in today, e.g. WYCA; empty for none.",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="historicalauthority",
            name="combined_authority_name",
            field=models.CharField(
                blank=True, help_text="Its name, e.g. West Yorkshire.", max_length=120
            ),
        ),
        migrations.AddField(
            model_name="historicalauthority",
            name="coordinates_note",
            field=models.CharField(
                blank=True,
                help_text="Empty when the coordinates are the source's own; otherwise how they were worked out (fixtures/authority_coordinates.csv), e.g. for an abolished council.",
                max_length=300,
            ),
        ),
        migrations.AddConstraint(
            model_name="arrangement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("open_to_members", True),
                    models.Q(("contact_email", ""), ("contact_role", "")),
                    _connector="OR",
                ),
                name="arrangement_contact_only_when_open",
            ),
        ),
        migrations.AddConstraint(
            model_name="arrangement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("open_to_members", False),
                    models.Q(
                        models.Q(("contact_role", ""), _negated=True),
                        models.Q(("contact_email", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="arrangement_open_has_contact",
            ),
        ),
        migrations.RunPython(create_index, drop_index),
    ]
