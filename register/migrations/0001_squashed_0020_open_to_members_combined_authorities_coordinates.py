"""Migrations 0001 to 0020 in one, for new databases.

A new database (every test run, every `make run` on a fresh machine) reaches the same
schema here in one step: applying the twenty one by one spent most of its time
rebuilding Django's picture of the models after each added field (about 24 s of CPU
against about 2 s for this one). A database that has applied any of them goes on
through them as before (`replaces`), so they stay until every deployment has passed
0020.

What the models cannot say, PostgreSQL gets at the end, exactly as the replaced
migrations left it: the stored, generated search vector with its GIN index (0008),
the sort indexes that say NULLS LAST (0010, rebuilt by 0014) and the partner finder's
covering index (0020). The replaced migrations' data steps (filling stored figures,
search documents and totals for existing rows) have nothing to fill in a new database.
"""

import django.core.validators
import django.db.models.deletion
import register.models
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("register", "0001_initial"),
        ("register", "0002_arrangement_search_document"),
        ("register", "0003_arrangement_version_in_history"),
        ("register", "0004_data_version_title_index"),
        ("register", "0005_honest_figures"),
        ("register", "0006_seed_corrections"),
        ("register", "0007_authority_dates"),
        ("register", "0008_stored_search_vector"),
        ("register", "0009_help_and_financial_years"),
        ("register", "0010_sortable_stored_columns"),
        ("register", "0011_remove_data_version"),
        ("register", "0012_partner_sets"),
        ("register", "0013_savings_by_basis"),
        ("register", "0014_sort_indexes_with_exempt"),
        ("register", "0015_figures_covering_index"),
        ("register", "0016_arrangement_slug_lower_case"),
        ("register", "0017_partner_words"),
        ("register", "0018_wider_stored_totals"),
        ("register", "0019_status_totals"),
        ("register", "0020_open_to_members_combined_authorities_coordinates"),
    ]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Region",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60, unique=True)),
                ("slug", models.SlugField(max_length=60, unique=True)),
                (
                    "nation",
                    models.CharField(
                        choices=[
                            ("England", "England"),
                            ("Wales", "Wales"),
                            ("Scotland", "Scotland"),
                            ("Northern Ireland", "Northern Ireland"),
                        ],
                        max_length=20,
                    ),
                ),
            ],
            options={
                "ordering": ["nation", "name", "pk"],
            },
        ),
        migrations.CreateModel(
            name="Source",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=120, unique=True)),
                ("title", models.CharField(max_length=300)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("committee_report", "Committee report"),
                            ("national_report", "National report"),
                            ("survey", "Survey"),
                            ("web_page", "Web page or news item"),
                            ("other", "Other"),
                        ],
                        default="other",
                        max_length=20,
                    ),
                ),
                ("issuing_body", models.CharField(blank=True, max_length=200)),
                ("author", models.CharField(blank=True, max_length=200)),
                (
                    "meeting",
                    models.CharField(
                        blank=True, help_text="Committee and meeting.", max_length=200
                    ),
                ),
                ("date", models.DateField(blank=True, null=True)),
                (
                    "date_precision",
                    models.CharField(
                        choices=[
                            ("day", "Day"),
                            ("month", "Month"),
                            ("season", "Season"),
                            ("year", "Year"),
                        ],
                        default="day",
                        max_length=10,
                    ),
                ),
                (
                    "reference",
                    models.CharField(blank=True, help_text="e.g. Agenda item 4", max_length=200),
                ),
                ("url", models.URLField(blank=True, max_length=500, verbose_name="URL")),
                ("note", models.TextField(blank=True)),
                (
                    "requested",
                    models.TextField(
                        blank=True,
                        help_text="Who asked for it and when, as the paper says, e.g. the meeting that requested the report.",
                        verbose_name="why it was written",
                    ),
                ),
                (
                    "recommendations",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="The paper's recommendations or possible courses of action, one per line, in its own words.",
                    ),
                ),
            ],
            options={
                "ordering": ["date", "title", "pk"],
            },
        ),
        migrations.CreateModel(
            name="Tier",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        help_text="The source data's type code, e.g. CTY, NMD, MD.",
                        max_length=8,
                        unique=True,
                    ),
                ),
                ("slug", models.SlugField(max_length=60, unique=True)),
                ("name", models.CharField(max_length=80, unique=True)),
                (
                    "level",
                    models.CharField(
                        choices=[
                            ("upper", "Upper tier"),
                            ("lower", "Lower tier"),
                            ("single", "Single tier"),
                            ("other", "Other"),
                        ],
                        db_index=True,
                        max_length=10,
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                "ordering": ["position", "name", "pk"],
            },
        ),
        migrations.CreateModel(
            name="Authority",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        help_text="Three-letter register code, e.g. CLD for Calderdale.",
                        max_length=3,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[A-Z]{3}$", "A code is three capital letters, e.g. CLD."
                            )
                        ],
                    ),
                ),
                (
                    "gss_code",
                    models.CharField(
                        blank=True,
                        help_text="ONS code, e.g. E08000033. Empty for bodies that are not councils.",
                        max_length=9,
                        null=True,
                        unique=True,
                        verbose_name="GSS code",
                    ),
                ),
                (
                    "name",
                    models.CharField(help_text="Short name, e.g. Calderdale.", max_length=120),
                ),
                ("official_name", models.CharField(blank=True, max_length=200)),
                (
                    "start_date",
                    models.DateField(
                        blank=True,
                        help_text="Empty when the source does not know.",
                        null=True,
                        verbose_name="created",
                    ),
                ),
                (
                    "end_date",
                    models.DateField(
                        blank=True,
                        help_text="The last day it existed, if abolished.",
                        null=True,
                        verbose_name="last day",
                    ),
                ),
                (
                    "latitude",
                    models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True),
                ),
                (
                    "longitude",
                    models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True),
                ),
                (
                    "coordinates_note",
                    models.CharField(
                        blank=True,
                        help_text="Empty when the coordinates are the source's own; otherwise how they were worked out (fixtures/authority_coordinates.csv), e.g. for an abolished council.",
                        max_length=300,
                    ),
                ),
                (
                    "combined_authority",
                    models.CharField(
                        blank=True,
                        help_text="The source's code of the combined authority (or Greater London Authority) whose area it lies in today, e.g. WYCA; empty for none.",
                        max_length=8,
                    ),
                ),
                (
                    "combined_authority_name",
                    models.CharField(
                        blank=True, help_text="Its name, e.g. West Yorkshire.", max_length=120
                    ),
                ),
                ("population", models.PositiveIntegerField(blank=True, null=True)),
                ("website", models.URLField(blank=True, max_length=300)),
                (
                    "partner_position",
                    models.PositiveSmallIntegerField(
                        editable=False,
                        help_text="Its bit in each arrangement's partner words (figures.PARTNER_WORDS): the next after the highest, as authorities are added.",
                        null=True,
                        unique=True,
                    ),
                ),
                (
                    "county",
                    models.ForeignKey(
                        blank=True,
                        help_text="For a shire district, the county council whose area it lies in.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="districts",
                        to="register.authority",
                    ),
                ),
                (
                    "editors",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Editors who may change arrangements this authority takes part in.",
                        related_name="authorities",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "successors",
                    models.ManyToManyField(
                        blank=True, related_name="predecessors", to="register.authority"
                    ),
                ),
                (
                    "region",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="authorities",
                        to="register.region",
                    ),
                ),
                (
                    "tier",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="authorities",
                        to="register.tier",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "authorities",
                "ordering": ["name", "code"],
            },
        ),
        migrations.CreateModel(
            name="Arrangement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                (
                    "slug",
                    models.SlugField(
                        max_length=200,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[a-z0-9_-]+$",
                                "Use lower-case letters, numbers, hyphens and underscores only, e.g. joint-audit-service: an address that differs only in capitals would be another record.",
                            )
                        ],
                    ),
                ),
                ("summary", models.TextField(blank=True, help_text="One or two sentences.")),
                ("description", models.TextField(blank=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("shared_service", "Shared service"),
                            ("shared_management", "Shared management"),
                            ("joint_procurement", "Joint procurement or framework"),
                            ("joint_commissioning", "Joint commissioning"),
                            ("collaborative_working", "Collaborative working"),
                            ("hosted_resource", "Hosted post or resource"),
                            ("mutual_support", "Mutual support"),
                            ("other", "Other"),
                        ],
                        db_index=True,
                        help_text="A shared service delivers the service for several bodies; joint procurement buys together; collaborative working shares practice without merging.",
                        max_length=30,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("proposed", "Proposed"),
                            ("under_consideration", "Under consideration"),
                            ("in_development", "In development"),
                            ("procurement", "Procurement under way"),
                            ("operational", "Operational"),
                            ("not_pursued", "Not pursued"),
                            ("ended", "Ended after operating"),
                        ],
                        db_index=True,
                        help_text="Where it stands now. Savings count in headline totals only from 'In development' onwards; 'Not pursued' keeps the record but not its savings.",
                        max_length=30,
                    ),
                ),
                (
                    "governance",
                    models.TextField(
                        blank=True,
                        help_text="Who runs it: a board, a joint committee, a lead authority.",
                    ),
                ),
                ("start_date", models.DateField(blank=True, null=True)),
                (
                    "start_precision",
                    models.CharField(
                        choices=[
                            ("day", "Day"),
                            ("month", "Month"),
                            ("season", "Season"),
                            ("year", "Year"),
                        ],
                        default="day",
                        help_text="How exact the source is: 'April 2012' is a month; enter 1 April 2012 and choose month.",
                        max_length=10,
                    ),
                ),
                ("end_date", models.DateField(blank=True, null=True)),
                (
                    "end_precision",
                    models.CharField(
                        choices=[
                            ("day", "Day"),
                            ("month", "Month"),
                            ("season", "Season"),
                            ("year", "Year"),
                        ],
                        default="day",
                        max_length=10,
                    ),
                ),
                ("objectives", models.JSONField(blank=True, default=list)),
                (
                    "benefits",
                    models.JSONField(
                        blank=True, default=list, verbose_name="non-financial benefits"
                    ),
                ),
                ("barriers", models.JSONField(blank=True, default=list)),
                (
                    "exempt",
                    models.BooleanField(
                        db_index=True,
                        default=False,
                        help_text="Exempt information under Schedule 12A of the Local Government Act 1972: hidden from anyone not signed in.",
                    ),
                ),
                (
                    "open_to_members",
                    models.BooleanField(
                        db_index=True,
                        default=False,
                        help_text="Tick when the partners would welcome other councils into it. A contact is then required, and is allowed only then.",
                        verbose_name="welcomes new members",
                    ),
                ),
                (
                    "contact_role",
                    models.CharField(
                        blank=True,
                        help_text="A job title, e.g. Head of Shared Revenues: never a person's name. Only when it welcomes new members.",
                        max_length=120,
                        verbose_name="contact's role",
                    ),
                ),
                (
                    "contact_email",
                    models.EmailField(
                        blank=True,
                        help_text="A team's shared mailbox, e.g. shared.revenues@example.gov.uk: never a person's own address or any private details (the page is public). Only when it welcomes new members.",
                        max_length=254,
                        verbose_name="shared mailbox",
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "partner_count",
                    models.PositiveIntegerField(
                        default=0,
                        editable=False,
                        help_text="Members that have joined: lead, host or partner.",
                    ),
                ),
                ("partners_0", models.BigIntegerField(default=0, editable=False)),
                ("partners_1", models.BigIntegerField(default=0, editable=False)),
                ("partners_2", models.BigIntegerField(default=0, editable=False)),
                ("partners_3", models.BigIntegerField(default=0, editable=False)),
                ("partners_4", models.BigIntegerField(default=0, editable=False)),
                ("partners_5", models.BigIntegerField(default=0, editable=False)),
                ("partners_6", models.BigIntegerField(default=0, editable=False)),
                ("partners_7", models.BigIntegerField(default=0, editable=False)),
                ("partners_8", models.BigIntegerField(default=0, editable=False)),
                ("partners_9", models.BigIntegerField(default=0, editable=False)),
                ("partners_10", models.BigIntegerField(default=0, editable=False)),
                ("partners_11", models.BigIntegerField(default=0, editable=False)),
                ("partners_12", models.BigIntegerField(default=0, editable=False)),
                ("partners_13", models.BigIntegerField(default=0, editable=False)),
                ("partners_14", models.BigIntegerField(default=0, editable=False)),
                ("partners_15", models.BigIntegerField(default=0, editable=False)),
                (
                    "tier_mask",
                    models.BigIntegerField(
                        default=0,
                        editable=False,
                        help_text="The tiers of the members that have joined.",
                    ),
                ),
                (
                    "level_mask",
                    models.PositiveSmallIntegerField(
                        default=0,
                        editable=False,
                        help_text="Their tier levels (figures.LEVEL_BITS).",
                    ),
                ),
                (
                    "region_mask",
                    models.BigIntegerField(default=0, editable=False, help_text="Their regions."),
                ),
                (
                    "lead_name",
                    models.CharField(blank=True, editable=False, max_length=120, null=True),
                ),
                (
                    "first_service_area",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="The first of its service areas by name, which the list sorts by.",
                        max_length=120,
                        null=True,
                    ),
                ),
                (
                    "savings_lower",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        help_text="Money savings (targets aside) add up to at least this.",
                        max_digits=20,
                    ),
                ),
                (
                    "savings_upper",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        help_text="...and to at most this; empty when an 'over' figure leaves it open.",
                        max_digits=20,
                        null=True,
                    ),
                ),
                ("savings_approximate", models.BooleanField(default=False, editable=False)),
                ("savings_figures", models.PositiveIntegerField(default=0, editable=False)),
                ("savings_percentages", models.PositiveIntegerField(default=0, editable=False)),
                ("has_savings", models.BooleanField(db_index=True, default=False, editable=False)),
                (
                    "estimated_lower",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0"), editable=False, max_digits=20
                    ),
                ),
                (
                    "estimated_upper",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        max_digits=20,
                        null=True,
                    ),
                ),
                ("estimated_approximate", models.BooleanField(default=False, editable=False)),
                ("estimated_figures", models.PositiveIntegerField(default=0, editable=False)),
                ("estimated_percentages", models.PositiveIntegerField(default=0, editable=False)),
                (
                    "forecast_lower",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0"), editable=False, max_digits=20
                    ),
                ),
                (
                    "forecast_upper",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        max_digits=20,
                        null=True,
                    ),
                ),
                ("forecast_approximate", models.BooleanField(default=False, editable=False)),
                ("forecast_figures", models.PositiveIntegerField(default=0, editable=False)),
                ("forecast_percentages", models.PositiveIntegerField(default=0, editable=False)),
                (
                    "achieved_lower",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0"), editable=False, max_digits=20
                    ),
                ),
                (
                    "achieved_upper",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        max_digits=20,
                        null=True,
                    ),
                ),
                ("achieved_approximate", models.BooleanField(default=False, editable=False)),
                ("achieved_figures", models.PositiveIntegerField(default=0, editable=False)),
                ("achieved_percentages", models.PositiveIntegerField(default=0, editable=False)),
                (
                    "search_document",
                    models.TextField(
                        blank=True,
                        editable=False,
                        help_text="Title, summary, description and partner names, for free-text search.",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        help_text="For a workstream, the programme it belongs to.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="workstreams",
                        to="register.arrangement",
                        verbose_name="parent programme",
                    ),
                ),
                (
                    "lead",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        help_text="The member whose role is lead.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="register.authority",
                    ),
                ),
            ],
            options={
                "ordering": ["title", "pk"],
                "permissions": [("view_exempt_arrangement", "Can see exempt arrangements")],
            },
        ),
        migrations.CreateModel(
            name="HistoricalMembership",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("lead", "Lead"),
                            ("host", "Host"),
                            ("partner", "Partner"),
                            ("joining", "Joining (has said it will join)"),
                            ("prospective", "Prospective (named in an option, not joined)"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        db_index=True,
                        default="partner",
                        max_length=12,
                    ),
                ),
                ("start_date", models.DateField(blank=True, null=True)),
                ("end_date", models.DateField(blank=True, null=True)),
                ("note", models.TextField(blank=True)),
                (
                    "inferred",
                    models.BooleanField(
                        default=False,
                        help_text="Tick when the source implies this partner but does not name it; say why in the note. Pages label it as the register's inference.",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "arrangement",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.arrangement",
                    ),
                ),
                (
                    "authority",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.authority",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical membership",
                "verbose_name_plural": "historical memberships",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalSource",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=120)),
                ("title", models.CharField(max_length=300)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("committee_report", "Committee report"),
                            ("national_report", "National report"),
                            ("survey", "Survey"),
                            ("web_page", "Web page or news item"),
                            ("other", "Other"),
                        ],
                        default="other",
                        max_length=20,
                    ),
                ),
                ("issuing_body", models.CharField(blank=True, max_length=200)),
                ("author", models.CharField(blank=True, max_length=200)),
                (
                    "meeting",
                    models.CharField(
                        blank=True, help_text="Committee and meeting.", max_length=200
                    ),
                ),
                ("date", models.DateField(blank=True, null=True)),
                (
                    "date_precision",
                    models.CharField(
                        choices=[
                            ("day", "Day"),
                            ("month", "Month"),
                            ("season", "Season"),
                            ("year", "Year"),
                        ],
                        default="day",
                        max_length=10,
                    ),
                ),
                (
                    "reference",
                    models.CharField(blank=True, help_text="e.g. Agenda item 4", max_length=200),
                ),
                ("url", models.URLField(blank=True, max_length=500, verbose_name="URL")),
                ("note", models.TextField(blank=True)),
                (
                    "requested",
                    models.TextField(
                        blank=True,
                        help_text="Who asked for it and when, as the paper says, e.g. the meeting that requested the report.",
                        verbose_name="why it was written",
                    ),
                ),
                (
                    "recommendations",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="The paper's recommendations or possible courses of action, one per line, in its own words.",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical source",
                "verbose_name_plural": "historical sources",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Partnership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, unique=True)),
                ("slug", models.SlugField(max_length=100, unique=True)),
                ("short_name", models.CharField(blank=True, help_text="e.g. AWYA", max_length=40)),
                ("description", models.TextField(blank=True)),
                ("website", models.URLField(blank=True, max_length=300)),
                (
                    "members",
                    models.ManyToManyField(
                        blank=True, related_name="partnerships", to="register.authority"
                    ),
                ),
            ],
            options={
                "ordering": ["name", "pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalArrangement",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                (
                    "slug",
                    models.SlugField(
                        max_length=200,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[a-z0-9_-]+$",
                                "Use lower-case letters, numbers, hyphens and underscores only, e.g. joint-audit-service: an address that differs only in capitals would be another record.",
                            )
                        ],
                    ),
                ),
                ("summary", models.TextField(blank=True, help_text="One or two sentences.")),
                ("description", models.TextField(blank=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("shared_service", "Shared service"),
                            ("shared_management", "Shared management"),
                            ("joint_procurement", "Joint procurement or framework"),
                            ("joint_commissioning", "Joint commissioning"),
                            ("collaborative_working", "Collaborative working"),
                            ("hosted_resource", "Hosted post or resource"),
                            ("mutual_support", "Mutual support"),
                            ("other", "Other"),
                        ],
                        db_index=True,
                        help_text="A shared service delivers the service for several bodies; joint procurement buys together; collaborative working shares practice without merging.",
                        max_length=30,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("proposed", "Proposed"),
                            ("under_consideration", "Under consideration"),
                            ("in_development", "In development"),
                            ("procurement", "Procurement under way"),
                            ("operational", "Operational"),
                            ("not_pursued", "Not pursued"),
                            ("ended", "Ended after operating"),
                        ],
                        db_index=True,
                        help_text="Where it stands now. Savings count in headline totals only from 'In development' onwards; 'Not pursued' keeps the record but not its savings.",
                        max_length=30,
                    ),
                ),
                (
                    "governance",
                    models.TextField(
                        blank=True,
                        help_text="Who runs it: a board, a joint committee, a lead authority.",
                    ),
                ),
                ("start_date", models.DateField(blank=True, null=True)),
                (
                    "start_precision",
                    models.CharField(
                        choices=[
                            ("day", "Day"),
                            ("month", "Month"),
                            ("season", "Season"),
                            ("year", "Year"),
                        ],
                        default="day",
                        help_text="How exact the source is: 'April 2012' is a month; enter 1 April 2012 and choose month.",
                        max_length=10,
                    ),
                ),
                ("end_date", models.DateField(blank=True, null=True)),
                (
                    "end_precision",
                    models.CharField(
                        choices=[
                            ("day", "Day"),
                            ("month", "Month"),
                            ("season", "Season"),
                            ("year", "Year"),
                        ],
                        default="day",
                        max_length=10,
                    ),
                ),
                ("objectives", models.JSONField(blank=True, default=list)),
                (
                    "benefits",
                    models.JSONField(
                        blank=True, default=list, verbose_name="non-financial benefits"
                    ),
                ),
                ("barriers", models.JSONField(blank=True, default=list)),
                (
                    "exempt",
                    models.BooleanField(
                        db_index=True,
                        default=False,
                        help_text="Exempt information under Schedule 12A of the Local Government Act 1972: hidden from anyone not signed in.",
                    ),
                ),
                (
                    "open_to_members",
                    models.BooleanField(
                        db_index=True,
                        default=False,
                        help_text="Tick when the partners would welcome other councils into it. A contact is then required, and is allowed only then.",
                        verbose_name="welcomes new members",
                    ),
                ),
                (
                    "contact_role",
                    models.CharField(
                        blank=True,
                        help_text="A job title, e.g. Head of Shared Revenues: never a person's name. Only when it welcomes new members.",
                        max_length=120,
                        verbose_name="contact's role",
                    ),
                ),
                (
                    "contact_email",
                    models.EmailField(
                        blank=True,
                        help_text="A team's shared mailbox, e.g. shared.revenues@example.gov.uk: never a person's own address or any private details (the page is public). Only when it welcomes new members.",
                        max_length=254,
                        verbose_name="shared mailbox",
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "partner_count",
                    models.PositiveIntegerField(
                        default=0,
                        editable=False,
                        help_text="Members that have joined: lead, host or partner.",
                    ),
                ),
                ("partners_0", models.BigIntegerField(default=0, editable=False)),
                ("partners_1", models.BigIntegerField(default=0, editable=False)),
                ("partners_2", models.BigIntegerField(default=0, editable=False)),
                ("partners_3", models.BigIntegerField(default=0, editable=False)),
                ("partners_4", models.BigIntegerField(default=0, editable=False)),
                ("partners_5", models.BigIntegerField(default=0, editable=False)),
                ("partners_6", models.BigIntegerField(default=0, editable=False)),
                ("partners_7", models.BigIntegerField(default=0, editable=False)),
                ("partners_8", models.BigIntegerField(default=0, editable=False)),
                ("partners_9", models.BigIntegerField(default=0, editable=False)),
                ("partners_10", models.BigIntegerField(default=0, editable=False)),
                ("partners_11", models.BigIntegerField(default=0, editable=False)),
                ("partners_12", models.BigIntegerField(default=0, editable=False)),
                ("partners_13", models.BigIntegerField(default=0, editable=False)),
                ("partners_14", models.BigIntegerField(default=0, editable=False)),
                ("partners_15", models.BigIntegerField(default=0, editable=False)),
                (
                    "tier_mask",
                    models.BigIntegerField(
                        default=0,
                        editable=False,
                        help_text="The tiers of the members that have joined.",
                    ),
                ),
                (
                    "level_mask",
                    models.PositiveSmallIntegerField(
                        default=0,
                        editable=False,
                        help_text="Their tier levels (figures.LEVEL_BITS).",
                    ),
                ),
                (
                    "region_mask",
                    models.BigIntegerField(default=0, editable=False, help_text="Their regions."),
                ),
                (
                    "lead_name",
                    models.CharField(blank=True, editable=False, max_length=120, null=True),
                ),
                (
                    "first_service_area",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="The first of its service areas by name, which the list sorts by.",
                        max_length=120,
                        null=True,
                    ),
                ),
                (
                    "savings_lower",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        help_text="Money savings (targets aside) add up to at least this.",
                        max_digits=20,
                    ),
                ),
                (
                    "savings_upper",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        help_text="...and to at most this; empty when an 'over' figure leaves it open.",
                        max_digits=20,
                        null=True,
                    ),
                ),
                ("savings_approximate", models.BooleanField(default=False, editable=False)),
                ("savings_figures", models.PositiveIntegerField(default=0, editable=False)),
                ("savings_percentages", models.PositiveIntegerField(default=0, editable=False)),
                ("has_savings", models.BooleanField(db_index=True, default=False, editable=False)),
                (
                    "estimated_lower",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0"), editable=False, max_digits=20
                    ),
                ),
                (
                    "estimated_upper",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        max_digits=20,
                        null=True,
                    ),
                ),
                ("estimated_approximate", models.BooleanField(default=False, editable=False)),
                ("estimated_figures", models.PositiveIntegerField(default=0, editable=False)),
                ("estimated_percentages", models.PositiveIntegerField(default=0, editable=False)),
                (
                    "forecast_lower",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0"), editable=False, max_digits=20
                    ),
                ),
                (
                    "forecast_upper",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        max_digits=20,
                        null=True,
                    ),
                ),
                ("forecast_approximate", models.BooleanField(default=False, editable=False)),
                ("forecast_figures", models.PositiveIntegerField(default=0, editable=False)),
                ("forecast_percentages", models.PositiveIntegerField(default=0, editable=False)),
                (
                    "achieved_lower",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0"), editable=False, max_digits=20
                    ),
                ),
                (
                    "achieved_upper",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        max_digits=20,
                        null=True,
                    ),
                ),
                ("achieved_approximate", models.BooleanField(default=False, editable=False)),
                ("achieved_figures", models.PositiveIntegerField(default=0, editable=False)),
                ("achieved_percentages", models.PositiveIntegerField(default=0, editable=False)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, db_index=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "lead",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        help_text="The member whose role is lead.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.authority",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="For a workstream, the programme it belongs to.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.arrangement",
                        verbose_name="parent programme",
                    ),
                ),
                (
                    "partnership",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="The standing group that sponsors it, if any.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.partnership",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical arrangement",
                "verbose_name_plural": "historical arrangements",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name="arrangement",
            name="partnership",
            field=models.ForeignKey(
                blank=True,
                help_text="The standing group that sponsors it, if any.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="arrangements",
                to="register.partnership",
            ),
        ),
        migrations.CreateModel(
            name="Saving",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="In pounds.",
                        max_digits=14,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "percentage",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=5,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("100")),
                        ],
                    ),
                ),
                (
                    "percentage_of",
                    models.CharField(
                        blank=True,
                        help_text="What the percentage is a percentage of, in the source's words, e.g. 'fee rates'. Leave empty if the source does not say.",
                        max_length=200,
                    ),
                ),
                (
                    "qualifier",
                    models.CharField(
                        choices=[
                            ("exactly", "exactly"),
                            ("about", "about"),
                            ("over", "over"),
                            ("at_least", "at least"),
                            ("up_to", "up to"),
                            ("average", "average"),
                        ],
                        default="exactly",
                        help_text="As the source words it: 'over £700,000' is over; 'up to 35%' is up to; 'an average reduction of 20%' is average.",
                        max_length=10,
                    ),
                ),
                (
                    "stated",
                    models.CharField(
                        blank=True,
                        help_text="The figure in the source's own words when it is rounded or abbreviated, e.g. '£1.9m'. Shown instead of the amount, so its precision is kept.",
                        max_length=100,
                        verbose_name="as stated",
                    ),
                ),
                (
                    "period",
                    models.CharField(
                        choices=[
                            ("financial_year", "In one financial year"),
                            ("per_year", "Per year, recurring"),
                            ("one_off", "One-off"),
                            ("not_stated", "Period not stated"),
                        ],
                        default="not_stated",
                        help_text="Choose 'In one financial year' only if the source names the year.",
                        max_length=20,
                    ),
                ),
                (
                    "financial_year",
                    register.models.FinancialYearField(
                        blank=True,
                        db_index=True,
                        help_text="For example 2012/13 (April 2012 to March 2013); 2012-13 or 2012 also do.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1990),
                            django.core.validators.MaxValueValidator(2100),
                        ],
                    ),
                ),
                (
                    "basis",
                    models.CharField(
                        choices=[
                            ("target", "Target"),
                            ("estimated", "Estimated"),
                            ("forecast", "Forecast"),
                            ("achieved", "Achieved"),
                        ],
                        db_index=True,
                        help_text="Target: an aim, never counted as a saving. Estimated: worked out before the work. Forecast: expected from work under way. Achieved: already made.",
                        max_length=10,
                    ),
                ),
                (
                    "cashable",
                    models.BooleanField(
                        blank=True,
                        help_text="Cashable savings reduce spending; non-cashable ones free time or capacity. Leave empty when the source does not say.",
                        null=True,
                    ),
                ),
                ("description", models.TextField(blank=True)),
                (
                    "arrangement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="savings",
                        to="register.arrangement",
                    ),
                ),
                (
                    "authority",
                    models.ForeignKey(
                        blank=True,
                        help_text="Whose saving it is: one partner's own, or empty for the whole arrangement's (a partnership-wide figure is never one member's).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="savings",
                        to="register.authority",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="savings",
                        to="register.source",
                    ),
                ),
            ],
            options={
                "ordering": ["arrangement_id", "financial_year", "pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalSavingShare",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=14,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "percentage",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=5,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("100")),
                        ],
                        verbose_name="share of the saving (%)",
                    ),
                ),
                ("note", models.TextField(blank=True, help_text="Where the share comes from.")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "authority",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.authority",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "saving",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.saving",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical saving share",
                "verbose_name_plural": "historical saving shares",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="ServiceArea",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                ("slug", models.SlugField(max_length=100, unique=True)),
                ("description", models.TextField(blank=True)),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty for a category; the category for a service.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="register.servicearea",
                    ),
                ),
            ],
            options={
                "ordering": ["position", "name", "pk"],
            },
        ),
        migrations.AddField(
            model_name="arrangement",
            name="service_areas",
            field=models.ManyToManyField(
                blank=True, related_name="arrangements", to="register.servicearea"
            ),
        ),
        migrations.CreateModel(
            name="SavingsTarget",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "financial_year",
                    register.models.FinancialYearField(
                        help_text="For example 2012/13 (April 2012 to March 2013); 2012-13 or 2012 also do.",
                        validators=[
                            django.core.validators.MinValueValidator(1990),
                            django.core.validators.MaxValueValidator(2100),
                        ],
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=14,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                ("description", models.TextField(blank=True)),
                (
                    "authority",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="savings_targets",
                        to="register.authority",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="savings_targets",
                        to="register.source",
                    ),
                ),
            ],
            options={
                "ordering": ["authority_id", "financial_year", "pk"],
            },
        ),
        migrations.CreateModel(
            name="Milestone",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                (
                    "date",
                    models.DateField(
                        blank=True, help_text="Empty when the source gives none.", null=True
                    ),
                ),
                (
                    "date_precision",
                    models.CharField(
                        choices=[
                            ("day", "Day"),
                            ("month", "Month"),
                            ("season", "Season"),
                            ("year", "Year"),
                        ],
                        default="day",
                        max_length=10,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("planned", "Planned"), ("done", "Done"), ("missed", "Missed")],
                        default="planned",
                        max_length=10,
                    ),
                ),
                ("note", models.TextField(blank=True)),
                (
                    "arrangement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="milestones",
                        to="register.arrangement",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="milestones",
                        to="register.source",
                    ),
                ),
            ],
            options={
                "ordering": ["arrangement_id", "date", "pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalSaving",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="In pounds.",
                        max_digits=14,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "percentage",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=5,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("100")),
                        ],
                    ),
                ),
                (
                    "percentage_of",
                    models.CharField(
                        blank=True,
                        help_text="What the percentage is a percentage of, in the source's words, e.g. 'fee rates'. Leave empty if the source does not say.",
                        max_length=200,
                    ),
                ),
                (
                    "qualifier",
                    models.CharField(
                        choices=[
                            ("exactly", "exactly"),
                            ("about", "about"),
                            ("over", "over"),
                            ("at_least", "at least"),
                            ("up_to", "up to"),
                            ("average", "average"),
                        ],
                        default="exactly",
                        help_text="As the source words it: 'over £700,000' is over; 'up to 35%' is up to; 'an average reduction of 20%' is average.",
                        max_length=10,
                    ),
                ),
                (
                    "stated",
                    models.CharField(
                        blank=True,
                        help_text="The figure in the source's own words when it is rounded or abbreviated, e.g. '£1.9m'. Shown instead of the amount, so its precision is kept.",
                        max_length=100,
                        verbose_name="as stated",
                    ),
                ),
                (
                    "period",
                    models.CharField(
                        choices=[
                            ("financial_year", "In one financial year"),
                            ("per_year", "Per year, recurring"),
                            ("one_off", "One-off"),
                            ("not_stated", "Period not stated"),
                        ],
                        default="not_stated",
                        help_text="Choose 'In one financial year' only if the source names the year.",
                        max_length=20,
                    ),
                ),
                (
                    "financial_year",
                    register.models.FinancialYearField(
                        blank=True,
                        db_index=True,
                        help_text="For example 2012/13 (April 2012 to March 2013); 2012-13 or 2012 also do.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1990),
                            django.core.validators.MaxValueValidator(2100),
                        ],
                    ),
                ),
                (
                    "basis",
                    models.CharField(
                        choices=[
                            ("target", "Target"),
                            ("estimated", "Estimated"),
                            ("forecast", "Forecast"),
                            ("achieved", "Achieved"),
                        ],
                        db_index=True,
                        help_text="Target: an aim, never counted as a saving. Estimated: worked out before the work. Forecast: expected from work under way. Achieved: already made.",
                        max_length=10,
                    ),
                ),
                (
                    "cashable",
                    models.BooleanField(
                        blank=True,
                        help_text="Cashable savings reduce spending; non-cashable ones free time or capacity. Leave empty when the source does not say.",
                        null=True,
                    ),
                ),
                ("description", models.TextField(blank=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "arrangement",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.arrangement",
                    ),
                ),
                (
                    "authority",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="Whose saving it is: one partner's own, or empty for the whole arrangement's (a partnership-wide figure is never one member's).",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.authority",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.source",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical saving",
                "verbose_name_plural": "historical savings",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalMilestone",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                (
                    "date",
                    models.DateField(
                        blank=True, help_text="Empty when the source gives none.", null=True
                    ),
                ),
                (
                    "date_precision",
                    models.CharField(
                        choices=[
                            ("day", "Day"),
                            ("month", "Month"),
                            ("season", "Season"),
                            ("year", "Year"),
                        ],
                        default="day",
                        max_length=10,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("planned", "Planned"), ("done", "Done"), ("missed", "Missed")],
                        default="planned",
                        max_length=10,
                    ),
                ),
                ("note", models.TextField(blank=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "arrangement",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.arrangement",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.source",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical milestone",
                "verbose_name_plural": "historical milestones",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Finding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("statement", models.TextField()),
                (
                    "qualifier",
                    models.CharField(
                        choices=[
                            ("exactly", "exactly"),
                            ("about", "about"),
                            ("over", "over"),
                            ("at_least", "at least"),
                            ("nearly", "nearly"),
                            ("up_to", "up to"),
                        ],
                        default="exactly",
                        help_text="As the source words the value: 'over £1.34bn' is over.",
                        max_length=10,
                    ),
                ),
                (
                    "value",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True),
                ),
                (
                    "unit",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("count", "Count"),
                            ("GBP", "Pounds (£)"),
                            ("percent", "Per cent"),
                        ],
                        max_length=10,
                    ),
                ),
                ("note", models.TextField(blank=True)),
                (
                    "bears_on",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "—"),
                            ("tier", "Sharing by tier of authority"),
                            ("service_area", "Sharing by service area"),
                            ("region", "Sharing by region"),
                        ],
                        help_text="The comparison this finding is national evidence for; the comparison page quotes it.",
                        max_length=20,
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "source",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="findings",
                        to="register.source",
                    ),
                ),
            ],
            options={
                "ordering": ["source__date", "source_id", "position", "pk"],
            },
        ),
        migrations.AddField(
            model_name="arrangement",
            name="sources",
            field=models.ManyToManyField(
                blank=True, related_name="arrangements", to="register.source"
            ),
        ),
        migrations.CreateModel(
            name="StatusTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("exempt", models.BooleanField()),
                ("status", models.CharField(max_length=30)),
                ("arrangements", models.PositiveIntegerField()),
                ("figures", models.JSONField(default=dict)),
                (
                    "taking_part",
                    models.JSONField(default=list, help_text="Authorities taking part (pks)."),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("exempt", "status"), name="status_total_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoricalAuthority",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        db_index=True,
                        help_text="Three-letter register code, e.g. CLD for Calderdale.",
                        max_length=3,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[A-Z]{3}$", "A code is three capital letters, e.g. CLD."
                            )
                        ],
                    ),
                ),
                (
                    "gss_code",
                    models.CharField(
                        blank=True,
                        db_index=True,
                        help_text="ONS code, e.g. E08000033. Empty for bodies that are not councils.",
                        max_length=9,
                        null=True,
                        verbose_name="GSS code",
                    ),
                ),
                (
                    "name",
                    models.CharField(help_text="Short name, e.g. Calderdale.", max_length=120),
                ),
                ("official_name", models.CharField(blank=True, max_length=200)),
                (
                    "start_date",
                    models.DateField(
                        blank=True,
                        help_text="Empty when the source does not know.",
                        null=True,
                        verbose_name="created",
                    ),
                ),
                (
                    "end_date",
                    models.DateField(
                        blank=True,
                        help_text="The last day it existed, if abolished.",
                        null=True,
                        verbose_name="last day",
                    ),
                ),
                (
                    "latitude",
                    models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True),
                ),
                (
                    "longitude",
                    models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True),
                ),
                (
                    "coordinates_note",
                    models.CharField(
                        blank=True,
                        help_text="Empty when the coordinates are the source's own; otherwise how they were worked out (fixtures/authority_coordinates.csv), e.g. for an abolished council.",
                        max_length=300,
                    ),
                ),
                (
                    "combined_authority",
                    models.CharField(
                        blank=True,
                        help_text="The source's code of the combined authority (or Greater London Authority) whose area it lies in today, e.g. WYCA; empty for none.",
                        max_length=8,
                    ),
                ),
                (
                    "combined_authority_name",
                    models.CharField(
                        blank=True, help_text="Its name, e.g. West Yorkshire.", max_length=120
                    ),
                ),
                ("population", models.PositiveIntegerField(blank=True, null=True)),
                ("website", models.URLField(blank=True, max_length=300)),
                (
                    "partner_position",
                    models.PositiveSmallIntegerField(
                        db_index=True,
                        editable=False,
                        help_text="Its bit in each arrangement's partner words (figures.PARTNER_WORDS): the next after the highest, as authorities are added.",
                        null=True,
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "county",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="For a shire district, the county council whose area it lies in.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.authority",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "region",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.region",
                    ),
                ),
                (
                    "tier",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.tier",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical authority",
                "verbose_name_plural": "historical authorities",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="AuthorityName",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                ("official_name", models.CharField(blank=True, max_length=200)),
                ("until", models.DateField(help_text="The first day of the next name.")),
                (
                    "until_precision",
                    models.CharField(
                        choices=[
                            ("day", "Day"),
                            ("month", "Month"),
                            ("season", "Season"),
                            ("year", "Year"),
                        ],
                        default="day",
                        max_length=10,
                    ),
                ),
                ("source", models.TextField(help_text="Where the change of name is documented.")),
                (
                    "authority",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="names",
                        to="register.authority",
                    ),
                ),
            ],
            options={
                "ordering": ["authority_id", "until", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("authority", "until"), name="authority_name_unique_until"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("lead", "Lead"),
                            ("host", "Host"),
                            ("partner", "Partner"),
                            ("joining", "Joining (has said it will join)"),
                            ("prospective", "Prospective (named in an option, not joined)"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        db_index=True,
                        default="partner",
                        max_length=12,
                    ),
                ),
                ("start_date", models.DateField(blank=True, null=True)),
                ("end_date", models.DateField(blank=True, null=True)),
                ("note", models.TextField(blank=True)),
                (
                    "inferred",
                    models.BooleanField(
                        default=False,
                        help_text="Tick when the source implies this partner but does not name it; say why in the note. Pages label it as the register's inference.",
                    ),
                ),
                (
                    "arrangement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="register.arrangement",
                    ),
                ),
                (
                    "authority",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="register.authority",
                    ),
                ),
            ],
            options={
                "ordering": ["arrangement_id", "pk"],
                "indexes": [
                    models.Index(fields=["authority", "role"], name="membership_authority_role")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("arrangement", "authority"),
                        name="membership_unique_authority",
                        violation_error_message="This authority is already a member of this arrangement.",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("role", "lead")),
                        fields=("arrangement",),
                        name="membership_one_lead",
                        violation_error_message="An arrangement has at most one lead authority.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("end_date__isnull", True),
                            ("start_date__isnull", True),
                            ("end_date__gte", models.F("start_date")),
                            _connector="OR",
                        ),
                        name="membership_end_not_before_start",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SavingShare",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=14,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "percentage",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=5,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("100")),
                        ],
                        verbose_name="share of the saving (%)",
                    ),
                ),
                ("note", models.TextField(blank=True, help_text="Where the share comes from.")),
                (
                    "authority",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="saving_shares",
                        to="register.authority",
                    ),
                ),
                (
                    "saving",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shares",
                        to="register.saving",
                    ),
                ),
            ],
            options={
                "ordering": ["saving_id", "authority__name", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("saving", "authority"),
                        name="saving_share_unique_authority",
                        violation_error_message="This authority already has a share of this saving.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("amount__isnull", False),
                            ("percentage__isnull", False),
                            _connector="OR",
                        ),
                        name="saving_share_has_amount_or_percentage",
                    ),
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="servicearea",
            constraint=models.UniqueConstraint(
                fields=("parent", "name"), name="service_area_unique_name"
            ),
        ),
        migrations.AddConstraint(
            model_name="savingstarget",
            constraint=models.UniqueConstraint(
                fields=("authority", "financial_year"),
                name="savings_target_unique_year",
                violation_error_message="This authority already has a target for that year.",
            ),
        ),
        migrations.AddConstraint(
            model_name="savingstarget",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gte", 0)), name="savings_target_not_negative"
            ),
        ),
        migrations.AddConstraint(
            model_name="saving",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__isnull", True), ("amount__gte", 0), _connector="OR"),
                name="saving_amount_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="saving",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("percentage__isnull", True),
                    models.Q(("percentage__gte", 0), ("percentage__lte", 100)),
                    _connector="OR",
                ),
                name="saving_percentage_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="saving",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("amount__isnull", False), ("percentage__isnull", False), _connector="OR"
                ),
                name="saving_has_amount_or_percentage",
            ),
        ),
        migrations.AddConstraint(
            model_name="saving",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("financial_year__isnull", False), ("period", "financial_year")),
                    models.Q(
                        models.Q(("period", "financial_year"), _negated=True),
                        ("financial_year__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="saving_financial_year_matches_period",
            ),
        ),
        migrations.AddConstraint(
            model_name="saving",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("financial_year__isnull", True),
                    models.Q(("financial_year__gte", 1990), ("financial_year__lte", 2100)),
                    _connector="OR",
                ),
                name="saving_financial_year_range",
            ),
        ),
        migrations.AddIndex(
            model_name="milestone",
            index=models.Index(fields=["date"], name="milestone_date"),
        ),
        migrations.AddConstraint(
            model_name="finding",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("unit", ""), ("value__isnull", True)),
                    models.Q(("value__isnull", False), models.Q(("unit", ""), _negated=True)),
                    _connector="OR",
                ),
                name="finding_value_has_unit",
            ),
        ),
        migrations.AddConstraint(
            model_name="finding",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("unit", "percent"), _negated=True),
                    models.Q(("value__gte", 0), ("value__lte", 100)),
                    _connector="OR",
                ),
                name="finding_percent_range",
            ),
        ),
        migrations.AddIndex(
            model_name="arrangement",
            index=models.Index(fields=["status", "kind"], name="arrangement_status_kind"),
        ),
        migrations.AddIndex(
            model_name="arrangement",
            index=models.Index(fields=["title", "id", "exempt"], name="arrangement_title"),
        ),
        migrations.AddIndex(
            model_name="arrangement",
            index=models.Index(
                fields=["status", "title", "id", "exempt"], name="arrangement_sort_status"
            ),
        ),
        migrations.AddIndex(
            model_name="arrangement",
            index=models.Index(
                fields=["kind", "title", "id", "exempt"], name="arrangement_sort_kind"
            ),
        ),
        migrations.AddIndex(
            model_name="arrangement",
            index=models.Index(
                fields=["partner_count", "title", "id", "exempt"], name="arrangement_sort_partners"
            ),
        ),
        migrations.AddIndex(
            model_name="arrangement",
            index=models.Index(
                fields=["savings_lower", "title", "id", "exempt"], name="arrangement_sort_savings"
            ),
        ),
        migrations.AddConstraint(
            model_name="arrangement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("end_date__isnull", True),
                    ("start_date__isnull", True),
                    ("end_date__gte", models.F("start_date")),
                    _connector="OR",
                ),
                name="arrangement_end_not_before_start",
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
        migrations.AddConstraint(
            model_name="authority",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("end_date__isnull", True),
                    ("start_date__isnull", True),
                    ("end_date__gte", models.F("start_date")),
                    _connector="OR",
                ),
                name="authority_end_not_before_start",
            ),
        ),
        migrations.AddConstraint(
            model_name="authority",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("latitude__isnull", True),
                    models.Q(("latitude__gte", -90), ("latitude__lte", 90)),
                    _connector="OR",
                ),
                name="authority_latitude_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="authority",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("longitude__isnull", True),
                    models.Q(("longitude__gte", -180), ("longitude__lte", 180)),
                    _connector="OR",
                ),
                name="authority_longitude_range",
            ),
        ),
    ]


# --- PostgreSQL only: what the replaced migrations made with SQL ----------------------

TABLE = "register_arrangement"

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


def postgresql_only(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from register.models import NULLS_LAST_INDEXES
    from register.search import VECTOR_SQL

    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({VECTOR_SQL}) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX arrangement_search_vector ON {TABLE} USING gin (search_vector)"
    )
    arrangement = apps.get_model("register", "Arrangement")
    for index in [*NULLS_LAST_INDEXES, PARTNER_FINDER_INDEX]:
        schema_editor.add_index(arrangement, index)


Migration.operations.append(migrations.RunPython(postgresql_only, migrations.RunPython.noop))
