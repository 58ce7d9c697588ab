"""The register's data model.

Business rules live here: database constraints for what must never be stored,
``clean()`` for the rules that need a clear message (shared by the admin, the
importers and any other entry path), and query-set methods for the reads that
every page needs (visibility of exempt records, partner counts, savings totals).
"""

from __future__ import annotations

import datetime
import unicodedata
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connections, models, router, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from . import search
from .dates import DatePrecision, financial_year_label, format_partial_date, partial_date_end
from .links import detail_url
from .money import format_money, format_percentage

MONEY = {"max_digits": 14, "decimal_places": 2}
# An arrangement's stored totals add up any number of savings, each up to MONEY: room for
# a million of the largest, so that no sum of amounts the forms accept can overflow.
MONEY_TOTAL = {"max_digits": 20, "decimal_places": 2}


class FinancialYearField(models.PositiveSmallIntegerField):
    """A financial year, stored as the year it starts (2012 for 2012/13), entered and
    shown as officers write it: '2012/13', '2012-13' or '2012'."""

    def formfield(self, **kwargs):
        from django import forms

        from .forms import FinancialYearFormField

        # Text, not a number input (the admin's default for integers), which a browser
        # would refuse to hold "2013/14" in.
        kwargs["widget"] = forms.TextInput(attrs={"size": 8, "inputmode": "text"})
        return super().formfield(**{**kwargs, "form_class": FinancialYearFormField})


class BitSetField(models.Field):
    """A fixed string of bits: PostgreSQL's bit(1024); text of '0's and '1's elsewhere.
    Migration 0012 stored partners so; the partner words (Arrangement.partners_0...)
    replaced it, whose BIT_OR costs a fraction as much."""

    description = "A string of 1,024 bits"

    def db_type(self, connection):
        return "bit(1024)" if connection.vendor == "postgresql" else "text"

    def cast_db_type(self, connection):
        return self.db_type(connection)

    def get_internal_type(self):
        return "BitSetField"


def no_partners() -> str:
    """Migration 0012's default for the partner bits that the partner words replaced."""
    return "0" * 1024


def partner_word():
    return models.BigIntegerField(default=0, editable=False)


class Nation(models.TextChoices):
    ENGLAND = "England", "England"
    WALES = "Wales", "Wales"
    SCOTLAND = "Scotland", "Scotland"
    NORTHERN_IRELAND = "Northern Ireland", "Northern Ireland"


class NaturalKeyManager(models.Manager):
    """Looks records up by the model's one natural-key field (for fixtures and importers)."""

    def get_by_natural_key(self, key):
        return self.get(**{self.model.natural_key_field: key})


# The day the register's reference data describes: the councils of England and Wales
# then, as the 2012 papers knew them. Later councils are imported as their successors.
REFERENCE_DATE = datetime.date(2012, 4, 1)


class AuthorityManager(NaturalKeyManager):
    def existing_on(self, day=REFERENCE_DATE):
        """Authorities that existed on ``day`` (an unknown start counts as before it)."""
        return self.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=day),
            Q(end_date__isnull=True) | Q(end_date__gte=day),
        )


# --- Reference data -----------------------------------------------------------------


class Region(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    nation = models.CharField(max_length=20, choices=Nation.choices)

    natural_key_field = "slug"
    objects = NaturalKeyManager()

    class Meta:
        ordering = ["nation", "name", "pk"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Tier(models.Model):
    class Level(models.TextChoices):
        UPPER = "upper", "Upper tier"
        LOWER = "lower", "Lower tier"
        SINGLE = "single", "Single tier"
        OTHER = "other", "Other"

    code = models.CharField(
        max_length=8, unique=True, help_text="The source data's type code, e.g. CTY, NMD, MD."
    )
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80, unique=True)
    level = models.CharField(max_length=10, choices=Level.choices, db_index=True)
    position = models.PositiveSmallIntegerField(default=0)

    natural_key_field = "code"
    objects = NaturalKeyManager()

    class Meta:
        ordering = ["position", "name", "pk"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class Authority(models.Model):
    """A council, or another public body that takes part in arrangements (tier 'other')."""

    code = models.CharField(
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", "A code is three capital letters, e.g. CLD.")],
        help_text="Three-letter register code, e.g. CLD for Calderdale.",
    )
    gss_code = models.CharField(
        "GSS code",
        max_length=9,
        unique=True,
        null=True,
        blank=True,
        help_text="ONS code, e.g. E08000033. Empty for bodies that are not councils.",
    )
    org_id = models.CharField(
        "org-id identifier",
        max_length=20,
        blank=True,
        help_text="The identifier open-data standards use (org-id.guide): GB-LAE- and the "
        "Local Authorities for England register's code, or GB-PLA- and the Principal Local "
        "Authority register's code for Wales. Empty for a body neither register lists "
        "(councils created after they closed, combined authorities, other public bodies).",
    )
    name = models.CharField(max_length=120, help_text="Short name, e.g. Calderdale.")
    official_name = models.CharField(max_length=200, blank=True)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="authorities")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="authorities", null=True, blank=True
    )
    county = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="districts",
        help_text="For a shire district, the county council whose area it lies in.",
    )
    start_date = models.DateField(
        "created", null=True, blank=True, help_text="Empty when the source does not know."
    )
    end_date = models.DateField(
        "last day", null=True, blank=True, help_text="The last day it existed, if abolished."
    )
    successors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="predecessors"
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    coordinates_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Empty when the coordinates are the source's own; otherwise how they were "
        "worked out (fixtures/authority_coordinates.csv), e.g. for an abolished council.",
    )
    combined_authority = models.CharField(
        max_length=8,
        blank=True,
        help_text="The source's code of the combined authority (or Greater London Authority) "
        "whose area it lies in today, e.g. WYCA; empty for none.",
    )
    combined_authority_name = models.CharField(
        max_length=120, blank=True, help_text="Its name, e.g. West Yorkshire."
    )
    population = models.PositiveIntegerField(null=True, blank=True)
    website = models.URLField(max_length=300, blank=True)
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="authorities",
        help_text="Editors who may change arrangements this authority takes part in.",
    )
    partner_position = models.PositiveSmallIntegerField(
        null=True,
        unique=True,
        editable=False,
        help_text="Its bit in each arrangement's partner words (figures.PARTNER_WORDS): "
        "the next after the highest, as authorities are added.",
    )

    history = HistoricalRecords()
    natural_key_field = "code"
    objects = AuthorityManager()

    class Meta:
        verbose_name_plural = "authorities"
        ordering = ["name", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="authority_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="authority_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="authority_longitude_range",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.partner_position is not None:
            super().save(*args, **kwargs)
            return
        using = kwargs.get("using") or router.db_for_write(Authority, instance=self)
        with transaction.atomic(using=using):
            self.partner_position = next_partner_position(using)
            try:
                super().save(*args, **kwargs)
            except BaseException:
                self.partner_position = None
                raise

    def get_absolute_url(self):
        return detail_url("register:authority-detail", self.code)

    def natural_key(self):
        return (self.code,)

    def former_name_on(self, day) -> AuthorityName | None:
        """The name it had on ``day`` when that is not today's name (names prefetched)."""
        if day is None:
            return None
        later = [n for n in self.names.all() if n.until > day]
        return min(later, key=lambda n: n.until) if later else None

    def name_on(self, day) -> str:
        former = self.former_name_on(day)
        return former.name if former else self.name

    def abolished_on(self, day) -> bool:
        return bool(self.end_date and day and self.end_date < day)

    @property
    def is_council(self) -> bool:
        """A council of any tier, not another public body (police, fire, parks)."""
        return self.tier.level != Tier.Level.OTHER

    def seeks_partners_on(self, day) -> str:
        """Why the partner finder cannot be asked about it on ``day`` (empty: it can): it
        is for councils in existence, not other public bodies."""
        if self.abolished_on(day):
            return f"{self.name} was abolished: its last day was {self.end_date:%-d %B %Y}."
        if self.start_date and self.start_date > day:
            return f"{self.name} does not exist yet: its first day is {self.start_date:%-d %B %Y}."
        if not self.is_council:
            return f"{self.name} is not a council ({self.tier.name})."
        return ""

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date cannot be before the start date."
        if self.county_id and self.county_id == self.pk:
            errors["county"] = "An authority cannot be its own county."
        if errors:
            raise ValidationError(errors)


# Any number: PostgreSQL's advisory locks are named by one, and this names giving out
# partner positions.
PARTNER_POSITION_LOCK = 0x5EED_0017


def next_partner_position(using: str = "default") -> int:
    """The position the next authority added takes: the next after the highest. On
    PostgreSQL, authorities added at once take turns (a lock held to the end of the
    caller's transaction), so each reads the highest after the one before has committed;
    SQLite lets one writer in at a time anyway."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTNER_POSITION_LOCK])
    highest = Authority.objects.using(using).aggregate(n=models.Max("partner_position"))["n"]
    return 0 if highest is None else highest + 1


def give_missing_partner_positions(using: str = "default") -> int:
    """Give every authority without a partner position (restored from a backup made before
    positions were kept) the next ones, in primary-key order. How many were given."""
    with transaction.atomic(using=using):
        start = next_partner_position(using)
        missing = list(
            Authority.objects.using(using)
            .filter(partner_position__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for offset, pk in enumerate(missing):
            Authority.objects.using(using).filter(pk=pk).update(partner_position=start + offset)
    return len(missing)


class AuthorityName(models.Model):
    """A name an authority had for a time before its present one (Shepway, until it
    became Folkestone and Hythe in 2018). The authority's own name is today's."""

    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=120)
    official_name = models.CharField(max_length=200, blank=True)
    until = models.DateField(help_text="The first day of the next name.")
    until_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    source = models.TextField(help_text="Where the change of name is documented.")

    class Meta:
        ordering = ["authority_id", "until", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "until"], name="authority_name_unique_until"
            ),
        ]

    def __str__(self):
        return f"{self.name} (until {self.until_display})"

    @property
    def until_display(self) -> str:
        return format_partial_date(self.until, self.until_precision)


class Partnership(models.Model):
    """A standing group of authorities that sponsors work, e.g. AWYA."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    short_name = models.CharField(max_length=40, blank=True, help_text="e.g. AWYA")
    description = models.TextField(blank=True)
    members = models.ManyToManyField(Authority, blank=True, related_name="partnerships")
    website = models.URLField(max_length=300, blank=True)

    natural_key_field = "slug"
    objects = NaturalKeyManager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{reverse('register:arrangement-list')}?partnership={self.slug}"

    def natural_key(self):
        return (self.slug,)


class ServiceArea(models.Model):
    """A two-level taxonomy: a category (no parent) and the services within it."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="Empty for a category; the category for a service.",
    )
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    lgsl_code = models.PositiveIntegerField(
        "LGSL code",
        null=True,
        blank=True,
        help_text="The Local Government Service List's number for this service, where the "
        "list has one service that is this one; empty otherwise.",
    )

    natural_key_field = "slug"
    objects = NaturalKeyManager()

    class Meta:
        ordering = ["position", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="service_area_unique_name"),
        ]

    def __str__(self):
        return f"{self.parent.name}: {self.name}" if self.parent_id else self.name

    def get_absolute_url(self):
        return detail_url("register:service-area-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    @property
    def is_category(self) -> bool:
        return self.parent_id is None

    def clean(self):
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": "A service area cannot be its own parent."})
            if self.parent.parent_id:
                raise ValidationError(
                    {"parent": "The taxonomy has two levels: the parent must be a category."}
                )
            if self.pk and self.children.exists():
                raise ValidationError(
                    {"parent": "This category has services in it, so it cannot have a parent."}
                )


class Source(models.Model):
    """A document that a fact came from: a committee report, a survey, a web page."""

    class Kind(models.TextChoices):
        COMMITTEE_REPORT = "committee_report", "Committee report"
        NATIONAL_REPORT = "national_report", "National report"
        SURVEY = "survey", "Survey"
        WEB_PAGE = "web_page", "Web page or news item"
        OTHER = "other", "Other"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    issuing_body = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    meeting = models.CharField(max_length=200, blank=True, help_text="Committee and meeting.")
    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    reference = models.CharField(max_length=200, blank=True, help_text="e.g. Agenda item 4")
    url = models.URLField("URL", max_length=500, blank=True)
    note = models.TextField(blank=True)
    requested = models.TextField(
        "why it was written",
        blank=True,
        help_text="Who asked for it and when, as the paper says, e.g. the meeting that "
        "requested the report.",
    )
    recommendations = models.JSONField(
        default=list,
        blank=True,
        help_text="The paper's recommendations or possible courses of action, one per line, "
        "in its own words.",
    )

    history = HistoricalRecords()
    natural_key_field = "slug"
    objects = NaturalKeyManager()

    class Meta:
        ordering = ["date", "title", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return detail_url("register:source-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    @property
    def date_display(self) -> str:
        """'21 February 2012', '2018', or 'date not stated' when the source gives none."""
        return format_partial_date(self.date, self.date_precision) or "date not stated"


class Finding(models.Model):
    """A statistic or observation reported by a source, never the register's own total."""

    class Unit(models.TextChoices):
        COUNT = "count", "Count"
        GBP = "GBP", "Pounds (£)"
        PERCENT = "percent", "Per cent"

    class Qualifier(models.TextChoices):
        EXACTLY = "exactly", "exactly"
        ABOUT = "about", "about"
        OVER = "over", "over"
        AT_LEAST = "at_least", "at least"
        NEARLY = "nearly", "nearly"
        UP_TO = "up_to", "up to"

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="findings")
    statement = models.TextField()
    qualifier = models.CharField(
        max_length=10,
        choices=Qualifier.choices,
        default=Qualifier.EXACTLY,
        help_text="As the source words the value: 'over £1.34bn' is over.",
    )
    value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, blank=True)
    note = models.TextField(blank=True)
    bears_on = models.CharField(
        max_length=20,
        choices=[
            ("", "—"),
            ("tier", "Sharing by tier of authority"),
            ("service_area", "Sharing by service area"),
            ("region", "Sharing by region"),
        ],
        blank=True,
        help_text="The comparison this finding is national evidence for; the comparison "
        "page quotes it.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["source__date", "source_id", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=True, unit="") | Q(value__isnull=False) & ~Q(unit=""),
                name="finding_value_has_unit",
            ),
            models.CheckConstraint(
                condition=~Q(unit="percent") | Q(value__gte=0, value__lte=100),
                name="finding_percent_range",
            ),
        ]

    def __str__(self):
        return self.statement

    @property
    def value_display(self) -> str:
        """The value with its qualifier, as the source words it: 'over £1,340,000,000'."""
        if self.value is None:
            return ""
        if self.unit == self.Unit.GBP:
            number = format_money(self.value)
        elif self.unit == self.Unit.PERCENT:
            number = format_percentage(self.value)
        else:
            number = f"{self.value.normalize():,f}"
        if self.qualifier == self.Qualifier.EXACTLY:
            return number
        return f"{self.get_qualifier_display()} {number}"


# --- Arrangements -------------------------------------------------------------------


class Kind(models.TextChoices):
    SHARED_SERVICE = "shared_service", "Shared service"
    SHARED_MANAGEMENT = "shared_management", "Shared management"
    JOINT_PROCUREMENT = "joint_procurement", "Joint procurement or framework"
    JOINT_COMMISSIONING = "joint_commissioning", "Joint commissioning"
    COLLABORATIVE_WORKING = "collaborative_working", "Collaborative working"
    HOSTED_RESOURCE = "hosted_resource", "Hosted post or resource"
    MUTUAL_SUPPORT = "mutual_support", "Mutual support"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    UNDER_CONSIDERATION = "under_consideration", "Under consideration"
    IN_DEVELOPMENT = "in_development", "In development"
    PROCUREMENT = "procurement", "Procurement under way"
    OPERATIONAL = "operational", "Operational"
    NOT_PURSUED = "not_pursued", "Not pursued"
    ENDED = "ended", "Ended after operating"


# Which arrangements' savings count in a headline total: those going ahead or that went
# ahead. Ideas not yet decided, and ideas not pursued, are shown apart (register.figures).
GOING_AHEAD = (Status.IN_DEVELOPMENT, Status.PROCUREMENT, Status.OPERATIONAL, Status.ENDED)
NOT_YET_DECIDED = (Status.PROPOSED, Status.UNDER_CONSIDERATION)
NOT_GOING_AHEAD = (Status.NOT_PURSUED,)


class OfArrangementsQuerySet(models.QuerySet):
    """Records that hang off an arrangement, seen as their arrangement is."""

    def visible_to(self, user):
        from .permissions import can_see_exempt

        if can_see_exempt(user):
            return self
        return self.filter(arrangement__exempt=False)


class SavingQuerySet(OfArrangementsQuerySet):
    def counted(self):
        """Savings that count towards totals: money amounts that are not targets."""
        return self.filter(amount__isnull=False).exclude(basis=Saving.Basis.TARGET)

    def in_headline(self):
        """Savings of arrangements going ahead or that went ahead (GOING_AHEAD)."""
        return self.filter(arrangement__status__in=GOING_AHEAD)


class ArrangementQuerySet(models.QuerySet):
    def changed_elsewhere(self, ids) -> int:
        """A record that hangs off these arrangements (a partner, saving or milestone)
        was changed on its own page or by an import: a change form opened before it is
        now stale, and its save is refused rather than writing the old rows back. The
        arrangement's record has changed with it: its ``updated_at`` moves, so its page
        and the feeds show it as changed now."""
        ids = {pk for pk in ids if pk is not None}
        if not ids:
            return 0
        return self.filter(pk__in=ids).update(
            version=models.F("version") + 1, updated_at=timezone.now()
        )

    def visible_to(self, user):
        """Every query a page makes about arrangements starts here."""
        from .permissions import can_see_exempt

        if can_see_exempt(user):
            return self
        return self.filter(exempt=False)

    def with_confirmation_seen_by(self, user):
        """Whether the reader may see each one's last confirmation, as
        ``confirmation_seen`` (read by ``Arrangement.seen_confirmed_at``). Those who may
        see exempt records see every confirmation. For anyone else a confirmation made
        before the arrangement last became public (``public_since``, the cut-off of its
        public history) was made while it was hidden, and reads as none: showing it would
        tell that the record existed, hidden, before."""
        from .permissions import can_see_exempt

        if can_see_exempt(user):
            return self.annotate(
                confirmation_seen=models.ExpressionWrapper(
                    Q(last_confirmed_at__isnull=False), output_field=models.BooleanField()
                )
            )
        return self.annotate(confirmation_public_since=public_since()).annotate(
            confirmation_seen=models.ExpressionWrapper(
                Q(last_confirmed_at__isnull=False)
                & (
                    Q(confirmation_public_since__isnull=True)
                    | Q(last_confirmed_at__gte=F("confirmation_public_since"))
                ),
                output_field=models.BooleanField(),
            )
        )

    def confirm(self, authority, role: str, now: datetime.datetime) -> int:
        """Record that ``authority`` (through a user in ``role``) confirmed these
        arrangements' records as right at ``now``: one UPDATE. Neither the version nor
        ``updated_at`` moves: no fact changed, so an open change form stays good and the
        feeds do not show every confirmed arrangement as changed."""
        return self.update(
            last_confirmed_at=now, last_confirmed_by=authority, last_confirmed_role=role
        )

    def with_totals(self):
        """What a row of a list shows beside its own fields: its lead authority. Partner
        counts and savings figures are stored on the row (``STORED_FIGURES``)."""
        return self.select_related("lead")


def public_since():
    """When an arrangement last became public, as an expression: the first of its history
    records after the last one that was exempt (or, if none follows it, that one); null
    for an arrangement never exempt. What came before is its hidden past, which readers
    who may not see exempt records never learn of: its history, its feeds' entries and
    its confirmations all start here."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    history = Arrangement.history.model.objects
    last_hidden = (
        history.filter(id=OuterRef("id"), exempt=True)
        .order_by("-history_date", "-history_id")
        .values("history_date")[:1]
    )
    after = (
        history.filter(id=OuterRef("pk"), exempt=False, history_date__gt=Subquery(last_hidden))
        .order_by("history_date", "history_id")
        .values("history_date")[:1]
    )
    return Coalesce(Subquery(after), Subquery(last_hidden))


# Who takes part, as words of 64 bits (Arrangement.partners_0 ...; figures.partner_words).
PARTNER_FIELDS = tuple(f"partners_{word}" for word in range(16))

# The bases whose savings count in totals (a target never does), each stored on the row.
COUNTED_BASES = ("estimated", "forecast", "achieved")

STORED_FIGURES = (
    "partner_count",
    *PARTNER_FIELDS,
    "tier_mask",
    "level_mask",
    "region_mask",
    "lead",
    "lead_name",
    "first_service_area",
    "savings_lower",
    "savings_upper",
    "savings_approximate",
    "savings_figures",
    "savings_percentages",
    "has_savings",
    *(
        f"{basis}_{part}"
        for basis in COUNTED_BASES
        for part in ("lower", "upper", "approximate", "figures", "percentages")
    ),
)


class ConcurrentEditError(Exception):
    """An arrangement was saved from a version someone else has already replaced."""

    def __init__(self, pk, version):
        super().__init__(f"Arrangement {pk} has changed since version {version} was read.")
        self.pk, self.version = pk, version


# Addresses under /arrangements/ that are pages of their own, not arrangements.
RESERVED_ARRANGEMENT_SLUGS = frozenset({"feed", "due-for-review"})

# A record no council has confirmed for longer than this is flagged on its page.
CONFIRMATION_GOOD_FOR = datetime.timedelta(days=365)

# When a council last said an arrangement's record is right, and which council and in
# which role: written only by ``Arrangement.objects.confirm`` (one UPDATE), never by a
# save, which could otherwise put back what it read before a confirmation.
CONFIRMATION_FIELDS = ("last_confirmed_at", "last_confirmed_by", "last_confirmed_role")


def validate_not_reserved_slug(value: str) -> None:
    if value in RESERVED_ARRANGEMENT_SLUGS:
        raise ValidationError(
            f"“{value}” is the address of another page of the register: choose another, "
            f"e.g. {value}-arrangement."
        )


class Arrangement(models.Model):
    """One shared-service arrangement, programme or workstream.

    ``version`` counts saves: every save through ``save()`` (the admin, its actions,
    imports, the seed loader) claims the next version only if the row still holds the
    version the writer read, so no save silently overwrites another.
    """

    Kind = Kind
    Status = Status

    title = models.CharField(max_length=200)
    # Lower case only: addresses that differ only in case would otherwise be two records.
    slug = models.SlugField(
        max_length=200,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9_-]+$",
                "Use lower-case letters, numbers, hyphens and underscores only, e.g. "
                "joint-audit-service: an address that differs only in capitals would be "
                "another record.",
            ),
            validate_not_reserved_slug,
        ],
    )
    summary = models.TextField(blank=True, help_text="One or two sentences.")
    description = models.TextField(blank=True)
    kind = models.CharField(
        max_length=30,
        choices=Kind.choices,
        db_index=True,
        help_text="A shared service delivers the service for several bodies; joint "
        "procurement buys together; collaborative working shares practice without merging.",
    )
    status = models.CharField(
        max_length=30,
        choices=Status.choices,
        db_index=True,
        help_text="Where it stands now. Savings count in headline totals only from "
        "'In development' onwards; 'Not pursued' keeps the record but not its savings.",
    )
    service_areas = models.ManyToManyField(ServiceArea, blank=True, related_name="arrangements")
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="arrangements",
        help_text="The standing group that sponsors it, if any.",
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workstreams",
        verbose_name="parent programme",
        help_text="For a workstream, the programme it belongs to.",
    )
    governance = models.TextField(
        blank=True, help_text="Who runs it: a board, a joint committee, a lead authority."
    )
    start_date = models.DateField(null=True, blank=True)
    start_precision = models.CharField(
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How exact the source is: 'April 2012' is a month; enter 1 April 2012 "
        "and choose month.",
    )
    end_date = models.DateField(null=True, blank=True)
    end_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    review_date = models.DateField(
        null=True, blank=True, help_text="When the partners have agreed to review it."
    )
    break_date = models.DateField(
        null=True,
        blank=True,
        help_text="The next date on which a partner may leave under the agreement (a "
        "break clause), if it has one.",
    )
    how_to_leave = models.TextField(
        "how a partner may leave",
        blank=True,
        help_text="The notice a partner must give and any terms of leaving, as the "
        "agreement states them.",
    )
    last_confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a council taking part last confirmed that this record is right.",
    )
    last_confirmed_by = models.ForeignKey(
        "Authority",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="The council that confirmed it.",
    )
    last_confirmed_role = models.CharField(
        max_length=30,
        blank=True,
        editable=False,
        help_text="The role of whoever confirmed it (Editor, Administrator): never who.",
    )
    objectives = models.JSONField(default=list, blank=True)
    benefits = models.JSONField("non-financial benefits", default=list, blank=True)
    barriers = models.JSONField(default=list, blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="arrangements")
    exempt = models.BooleanField(
        default=False,
        db_index=True,
        help_text="Exempt information under Schedule 12A of the Local Government Act 1972: "
        "hidden from anyone not signed in.",
    )
    open_to_members = models.BooleanField(
        "welcomes new members",
        default=False,
        db_index=True,
        help_text="Tick when the partners would welcome other councils into it. A contact "
        "is then required, and is allowed only then.",
    )
    contact_role = models.CharField(
        "contact's role",
        max_length=120,
        blank=True,
        help_text="A job title, e.g. Head of Shared Revenues: never a person's name. "
        "Only when it welcomes new members.",
    )
    contact_email = models.EmailField(
        "shared mailbox",
        max_length=254,
        blank=True,
        help_text="A team's shared mailbox, e.g. shared.revenues@example.gov.uk: never a "
        "person's own address or any private details (the page is public). Only when it "
        "welcomes new members.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    # Figures the list, its sorts, filters and totals need, stored on the row and kept
    # right by register.figures.refresh_stored_figures in the same transaction as any
    # change to the arrangement's partners or savings (`manage.py check_register`
    # recomputes them and reports drift). save() never writes them.
    partner_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Members that have joined: lead, host or partner."
    )
    # Which authorities take part, as 16 words of 64 bits: the bit of each one's
    # partner_position. OR-ed over any set of arrangements (BIT_OR on PostgreSQL, one
    # pass over their rows), they say which authorities take part in any of them.
    partners_0 = partner_word()
    partners_1 = partner_word()
    partners_2 = partner_word()
    partners_3 = partner_word()
    partners_4 = partner_word()
    partners_5 = partner_word()
    partners_6 = partner_word()
    partners_7 = partner_word()
    partners_8 = partner_word()
    partners_9 = partner_word()
    partners_10 = partner_word()
    partners_11 = partner_word()
    partners_12 = partner_word()
    partners_13 = partner_word()
    partners_14 = partner_word()
    partners_15 = partner_word()
    tier_mask = models.BigIntegerField(
        default=0, editable=False, help_text="The tiers of the members that have joined."
    )
    level_mask = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="Their tier levels (figures.LEVEL_BITS)."
    )
    region_mask = models.BigIntegerField(default=0, editable=False, help_text="Their regions.")
    lead = models.ForeignKey(
        "Authority",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="The member whose role is lead.",
    )
    # Empty (NULL) when there is none, so that sorting puts them last either way.
    lead_name = models.CharField(  # noqa: DJ001
        max_length=120, null=True, blank=True, editable=False
    )
    first_service_area = models.CharField(  # noqa: DJ001
        max_length=120,
        null=True,
        blank=True,
        editable=False,
        help_text="The first of its service areas by name, which the list sorts by.",
    )
    savings_lower = models.DecimalField(
        **MONEY_TOTAL,
        default=Decimal(0),
        editable=False,
        help_text="Money savings (targets aside) add up to at least this.",
    )
    savings_upper = models.DecimalField(
        **MONEY_TOTAL,
        null=True,
        blank=True,
        default=Decimal(0),
        editable=False,
        help_text="...and to at most this; empty when an 'over' figure leaves it open.",
    )
    savings_approximate = models.BooleanField(default=False, editable=False)
    savings_figures = models.PositiveIntegerField(default=0, editable=False)
    savings_percentages = models.PositiveIntegerField(default=0, editable=False)
    has_savings = models.BooleanField(default=False, editable=False, db_index=True)
    # The same by basis, so that totals by basis read rows, not every saving.
    estimated_lower = models.DecimalField(**MONEY_TOTAL, default=Decimal(0), editable=False)
    estimated_upper = models.DecimalField(
        **MONEY_TOTAL, null=True, default=Decimal(0), editable=False
    )
    estimated_approximate = models.BooleanField(default=False, editable=False)
    estimated_figures = models.PositiveIntegerField(default=0, editable=False)
    estimated_percentages = models.PositiveIntegerField(default=0, editable=False)
    forecast_lower = models.DecimalField(**MONEY_TOTAL, default=Decimal(0), editable=False)
    forecast_upper = models.DecimalField(
        **MONEY_TOTAL, null=True, default=Decimal(0), editable=False
    )
    forecast_approximate = models.BooleanField(default=False, editable=False)
    forecast_figures = models.PositiveIntegerField(default=0, editable=False)
    forecast_percentages = models.PositiveIntegerField(default=0, editable=False)
    achieved_lower = models.DecimalField(**MONEY_TOTAL, default=Decimal(0), editable=False)
    achieved_upper = models.DecimalField(
        **MONEY_TOTAL, null=True, default=Decimal(0), editable=False
    )
    achieved_approximate = models.BooleanField(default=False, editable=False)
    achieved_figures = models.PositiveIntegerField(default=0, editable=False)
    achieved_percentages = models.PositiveIntegerField(default=0, editable=False)
    search_document = models.TextField(
        blank=True,
        editable=False,
        help_text="Title, summary, description and partner names, for free-text search.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    # A confirmation changes none of the record's facts, so it is not a change in its
    # history (nor in its feed).
    history = HistoricalRecords(excluded_fields=["search_document", *CONFIRMATION_FIELDS])
    objects = ArrangementQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        permissions = [("view_exempt_arrangement", "Can see exempt arrangements")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="arrangement_end_not_before_start",
            ),
            # A contact only for an arrangement that welcomes new members, and then both
            # parts of it (clean() says so in words before the database has to).
            models.CheckConstraint(
                condition=Q(open_to_members=True) | Q(contact_role="", contact_email=""),
                name="arrangement_contact_only_when_open",
            ),
            models.CheckConstraint(
                condition=Q(open_to_members=False) | (~Q(contact_role="") & ~Q(contact_email="")),
                name="arrangement_open_has_contact",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "kind"], name="arrangement_status_kind"),
            # The list's default order: a page is read from the index, not a sort of all rows
            # (on PostgreSQL with the columns its filters test: migration 0021).
            models.Index(fields=["title", "id", "exempt"], name="arrangement_title"),
            # Every sortable column of the list, read in order from an index rather than
            # sorting every matching row (empty values last either way, as the list sorts).
            models.Index(
                fields=["status", "title", "id", "exempt"], name="arrangement_sort_status"
            ),
            models.Index(fields=["kind", "title", "id", "exempt"], name="arrangement_sort_kind"),
            models.Index(
                fields=["partner_count", "title", "id", "exempt"], name="arrangement_sort_partners"
            ),
            models.Index(
                fields=["savings_lower", "title", "id", "exempt"], name="arrangement_sort_savings"
            ),
            # The columns that may be empty sort empties last either way; their indexes
            # say NULLS LAST, which only PostgreSQL can build (NULLS_LAST_INDEXES, made by
            # the migrations there: 0010 and 0014, or 0001_squashed_0020 in a new database).
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        parts = (
            search.document_parts([self.pk])[self.pk]
            if self.pk
            else {"partners": [], "areas": [], "partnership": ""}
        )
        # The partnership this save gives it, not the one stored.
        parts["partnership"] = (
            search.partnership_text(self.partnership.name, self.partnership.short_name)
            if self.partnership_id
            else ""
        )
        self.search_document = search.document_of(self, parts)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_document", "version"}
        if self._state.adding or self.pk is None:
            super().save(*args, **kwargs)
            return
        if kwargs.get("update_fields") is None:
            # Never write the stored figures from what this instance read earlier.
            kwargs["update_fields"] = {
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key
                and f.name not in STORED_FIGURES
                and f.name not in CONFIRMATION_FIELDS
            }
        # Claim the next version and write in one step: the conditional UPDATE takes the
        # row's lock, so of two saves made from the same version exactly one succeeds
        # (on PostgreSQL the second waits for the first to commit, then matches no row).
        with transaction.atomic(using=kwargs.get("using")):
            claimed = (
                Arrangement.objects.using(kwargs.get("using"))
                .filter(pk=self.pk, version=self.version)
                .update(version=F("version") + 1)
            )
            if not claimed:
                raise ConcurrentEditError(self.pk, self.version)
            self.version += 1
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return detail_url("register:arrangement-detail", self.slug)

    @property
    def reported_on(self):
        """The date of its latest dated source (prefetched): what its facts are as at."""
        return max((s.date for s in self.sources.all() if s.date), default=None)

    @property
    def savings_figure(self):
        """Its money and percentage savings (targets aside), qualifiers kept."""
        from .figures import QualifiedTotal

        return QualifiedTotal(
            self.savings_lower,
            self.savings_upper,
            self.savings_approximate,
            self.savings_figures,
            self.savings_percentages,
        )

    @property
    def start_display(self) -> str:
        return format_partial_date(self.start_date, self.start_precision)

    @property
    def end_display(self) -> str:
        return format_partial_date(self.end_date, self.end_precision)

    @property
    def seen_confirmed_at(self) -> datetime.datetime | None:
        """When a council last confirmed this record, as the reader it was read for may
        see it (``ArrangementQuerySet.with_confirmation_seen_by``): None when it was
        confirmed while hidden from them, and None when it was not read that way, so that
        a page that forgets to ask never shows a confirmation it should not."""
        if not getattr(self, "confirmation_seen", False):
            return None
        return self.last_confirmed_at

    def confirmation_is_stale(self, now: datetime.datetime) -> bool:
        """Whether no council has confirmed this record in the last year (or ever), as
        the reader may see its confirmation (``seen_confirmed_at``)."""
        confirmed = self.seen_confirmed_at
        return confirmed is None or now - confirmed > CONFIRMATION_GOOD_FOR

    def confirmation_warning(self, now: datetime.datetime) -> str:
        """Why its page warns that the record may be out of date (empty when it does not):
        no council has confirmed it in the last year, or none takes part to confirm it."""
        if not self.confirmation_is_stale(now):
            return ""
        if not self.partner_count:
            return (
                "No council takes part in this arrangement yet, so none can confirm its "
                "record: it may be out of date."
            )
        if self.seen_confirmed_at:
            return (
                "No council taking part has confirmed this record for over a year: it may "
                "be out of date."
            )
        return "No council taking part has confirmed this record yet: it may be out of date."

    def ancestors(self):
        """The chain of parent programmes, nearest first; stops at a cycle."""
        seen, node, chain = {self.pk}, self.parent, []
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date cannot be before the start date."
        errors.update(
            key_date_errors(self.review_date, self.break_date, self.end_date, self.end_precision)
        )
        if self.parent_id:
            if self.pk and self.parent_id == self.pk:
                errors["parent"] = "An arrangement cannot be its own parent programme."
            elif self.pk and any(a.pk == self.pk for a in self.parent.ancestors()):
                errors["parent"] = (
                    "That programme is a workstream of this one, so it cannot be its parent."
                )
        errors.update(contact_errors(self.open_to_members, self.contact_role, self.contact_email))
        for field in ("objectives", "benefits", "barriers"):
            value = getattr(self, field)
            if not isinstance(value, list) or not all(
                isinstance(item, str) and item.strip() for item in value
            ):
                errors[field] = "Give a list of statements, one per line, none of them empty."
        if errors:
            raise ValidationError(errors)


# The years a review or break-clause date may fall in: wider than any agreement's, narrow
# enough that a mistyped year (0001, 9999) is caught rather than shown as overdue or due
# in thousands of years. As the summaries' "as at" date allows.
KEY_DATE_YEARS = (1900, 2100)


def key_date_errors(review_date, break_date, end_date, end_precision) -> dict[str, str]:
    """What is wrong with an arrangement's review and break-clause dates, in words, by
    field: a year outside KEY_DATE_YEARS, or a break clause after the arrangement ends
    (an end given as a month, season or year ends on the last day of it)."""
    first, last = KEY_DATE_YEARS
    errors = {}
    for field, what, example in (
        ("review_date", "review date", "31 March 2027"),
        ("break_date", "break-clause date", "1 April 2028"),
    ):
        date = review_date if field == "review_date" else break_date
        if date is not None and not first <= date.year <= last:
            errors[field] = (
                f"The {what} is in the year {date.year}: give a date between {first} and "
                f"{last}, e.g. {example}."
            )
    if "break_date" not in errors and break_date and end_date:
        ends = partial_date_end(end_date, end_precision or DatePrecision.DAY)
        if break_date > ends:
            errors["break_date"] = (
                f"The break-clause date is after the arrangement ends "
                f"({format_partial_date(end_date, end_precision or DatePrecision.DAY)}): a "
                "partner may leave under a break clause only while it runs. Correct either "
                "date, or leave the break-clause date empty."
            )
    return errors


# Mail services for people rather than organisations: an address at one of them is a
# person's own, which the public contact for new members must never be.
PERSONAL_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "btinternet.com",
        "gmail.com",
        "googlemail.com",
        "hotmail.co.uk",
        "hotmail.com",
        "icloud.com",
        "live.co.uk",
        "live.com",
        "me.com",
        "msn.com",
        "outlook.com",
        "protonmail.com",
        "proton.me",
        "sky.com",
        "talktalk.net",
        "virginmedia.com",
        "yahoo.co.uk",
        "yahoo.com",
        "yahoo.fr",
        "ymail.com",
        "aol.co.uk",
        "outlook.co.uk",
        "hotmail.fr",
        "googlemail.co.uk",
        "ntlworld.com",
        "blueyonder.co.uk",
        "gmx.co.uk",
        "gmx.com",
        "btopenworld.com",
    }
)


def contact_errors(open_to_members: bool, role: str, email: str) -> dict[str, str]:
    """What is wrong with an arrangement's contact for new members, in words, by field.
    (An address at a personal mail service is refused; a person's own address at their
    council cannot be told from a team's, so the help text asks for a shared one.)"""
    errors = {}
    domain = (email or "").strip().rpartition("@")[2].lower()
    if any(unicodedata.category(ch)[0] in "CZ" for ch in (email or "").strip()):
        errors["contact_email"] = (
            "The mailbox holds a space or an invisible character: type the address again, "
            "e.g. shared.revenues@example.gov.uk."
        )
    elif domain in PERSONAL_MAIL_DOMAINS:
        errors["contact_email"] = (
            f"{domain} is a personal mail service: give the team's shared mailbox at the "
            "council or partnership, e.g. shared.revenues@example.gov.uk (the page is public)."
        )
    if open_to_members:
        if not (role or "").strip():
            errors["contact_role"] = (
                "Give the role to contact about joining, e.g. Head of Shared Revenues: an "
                "arrangement that welcomes new members needs a contact."
            )
        if not (email or "").strip() and "contact_email" not in errors:
            errors["contact_email"] = (
                "Give a shared mailbox to contact about joining, e.g. "
                "shared.revenues@example.gov.uk: an arrangement that welcomes new members "
                "needs a contact."
            )
    else:
        if (role or "").strip() or (email or "").strip():
            message = (
                "A contact is kept only for an arrangement that welcomes new members: tick "
                "'Welcomes new members', or empty the contact's role and mailbox."
            )
            if (role or "").strip():
                errors["contact_role"] = message
            if (email or "").strip() and "contact_email" not in errors:
                errors["contact_email"] = message
    return errors


class MembershipQuerySet(OfArrangementsQuerySet):
    def taking_part(self):
        """Memberships that count as taking part: members that have joined (lead, host or
        partner). Not prospective members, not those joining, not those withdrawn.
        Every count of who takes part uses this one definition."""
        return self.filter(role__in=Membership.JOINED)


class Membership(models.Model):
    """An authority's part in an arrangement."""

    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        HOST = "host", "Host"
        PARTNER = "partner", "Partner"
        JOINING = "joining", "Joining (has said it will join)"
        PROSPECTIVE = "prospective", "Prospective (named in an option, not joined)"
        WITHDRAWN = "withdrawn", "Withdrawn"

    JOINED = (Role.LEAD, Role.HOST, Role.PARTNER)

    arrangement = models.ForeignKey(
        Arrangement, on_delete=models.CASCADE, related_name="memberships"
    )
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(
        max_length=12, choices=Role.choices, default=Role.PARTNER, db_index=True
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    inferred = models.BooleanField(
        default=False,
        help_text="Tick when the source implies this partner but does not name it; say why in "
        "the note. Pages label it as the register's inference.",
    )

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["arrangement_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["arrangement", "authority"],
                name="membership_unique_authority",
                violation_error_message="This authority is already a member of this arrangement.",
            ),
            models.UniqueConstraint(
                fields=["arrangement"],
                condition=Q(role="lead"),
                name="membership_one_lead",
                violation_error_message="An arrangement has at most one lead authority.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="membership_end_not_before_start",
            ),
        ]
        # An authority's memberships by role, with the arrangement in the index too, so
        # that its arrangements (its page, its briefing, comparisons) are read from the
        # index alone, not from rows scattered over the whole table.
        indexes = [
            models.Index(
                fields=["authority", "role", "arrangement"], name="membership_authority_role_arr"
            )
        ]

    def __str__(self):
        return f"{self.authority} ({self.get_role_display().lower()}) in {self.arrangement}"

    def savings_left_behind(self) -> str | None:
        """Why this partner cannot leave the arrangement as it stands (its savings would
        belong to a non-partner), or None."""
        if not self.pk:
            return None
        n = Saving.objects.filter(
            arrangement_id=self.arrangement_id, authority_id=self.authority_id
        ).count()
        if not n:
            return None
        return (
            f"{self.authority} has {n} saving{'' if n == 1 else 's'} recorded in this "
            "arrangement. Delete them, or make them savings of the whole arrangement, before "
            "taking it out of the partners."
        )

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date cannot be before the start date."})


class Saving(models.Model):
    """A financial benefit of an arrangement, as stated, with its qualifier and basis."""

    class Qualifier(models.TextChoices):
        EXACTLY = "exactly", "exactly"
        ABOUT = "about", "about"
        OVER = "over", "over"
        AT_LEAST = "at_least", "at least"
        UP_TO = "up_to", "up to"
        AVERAGE = "average", "average"

    class Period(models.TextChoices):
        FINANCIAL_YEAR = "financial_year", "In one financial year"
        PER_YEAR = "per_year", "Per year, recurring"
        ONE_OFF = "one_off", "One-off"
        NOT_STATED = "not_stated", "Period not stated"

    class Basis(models.TextChoices):
        TARGET = "target", "Target"
        ESTIMATED = "estimated", "Estimated"
        FORECAST = "forecast", "Forecast"
        ACHIEVED = "achieved", "Achieved"

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="savings")
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="savings",
        help_text="Whose saving it is: one partner's own, or empty for the whole "
        "arrangement's (a partnership-wide figure is never one member's).",
    )
    amount = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="In pounds.",
    )
    percentage = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    percentage_of = models.CharField(
        max_length=200,
        blank=True,
        help_text="What the percentage is a percentage of, in the source's words, e.g. "
        "'fee rates'. Leave empty if the source does not say.",
    )
    qualifier = models.CharField(
        max_length=10,
        choices=Qualifier.choices,
        default=Qualifier.EXACTLY,
        help_text="As the source words it: 'over £700,000' is over; 'up to 35%' is up to; "
        "'an average reduction of 20%' is average.",
    )
    stated = models.CharField(
        "as stated",
        max_length=100,
        blank=True,
        help_text="The figure in the source's own words when it is rounded or abbreviated, "
        "e.g. '£1.9m'. Shown instead of the amount, so its precision is kept.",
    )
    period = models.CharField(
        max_length=20,
        choices=Period.choices,
        default=Period.NOT_STATED,
        help_text="Choose 'In one financial year' only if the source names the year.",
    )
    financial_year = FinancialYearField(
        null=True,
        blank=True,
        db_index=True,
        validators=[MinValueValidator(1990), MaxValueValidator(2100)],
        help_text="For example 2012/13 (April 2012 to March 2013); 2012-13 or 2012 also do.",
    )
    basis = models.CharField(
        max_length=10,
        choices=Basis.choices,
        db_index=True,
        help_text="Target: an aim, never counted as a saving. Estimated: worked out before "
        "the work. Forecast: expected from work under way. Achieved: already made.",
    )
    cashable = models.BooleanField(
        null=True,
        blank=True,
        help_text="Cashable savings reduce spending; non-cashable ones free time or "
        "capacity. Leave empty when the source does not say.",
    )
    description = models.TextField(blank=True)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="savings"
    )

    history = HistoricalRecords()
    objects = SavingQuerySet.as_manager()

    class Meta:
        ordering = ["arrangement_id", "financial_year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="saving_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(percentage__isnull=True) | Q(percentage__gte=0, percentage__lte=100),
                name="saving_percentage_range",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(percentage__isnull=False),
                name="saving_has_amount_or_percentage",
            ),
            models.CheckConstraint(
                condition=Q(period="financial_year", financial_year__isnull=False)
                | ~Q(period="financial_year") & Q(financial_year__isnull=True),
                name="saving_financial_year_matches_period",
            ),
            models.CheckConstraint(
                condition=Q(financial_year__isnull=True)
                | Q(financial_year__gte=1990, financial_year__lte=2100),
                name="saving_financial_year_range",
            ),
        ]

    def __str__(self):
        return f"{self.display} ({self.arrangement})"

    @property
    def financial_year_display(self) -> str:
        return financial_year_label(self.financial_year)

    @property
    def display(self) -> str:
        """'over £700,000 (2.5% of fostering spend)', 'up to 35%', '£12,000', '£1.9m'."""
        qualifier = (
            "" if self.qualifier == self.Qualifier.EXACTLY else f"{self.get_qualifier_display()} "
        )
        parts = []
        if self.amount is not None:
            parts.append(f"{qualifier}{self.stated or format_money(self.amount)}")
            if self.percentage is not None:
                of = f" of {self.percentage_of}" if self.percentage_of else ""
                parts.append(f"({format_percentage(self.percentage)}{of})")
        else:
            of = f" of {self.percentage_of}" if self.percentage_of else ""
            parts.append(f"{qualifier}{self.stated or format_percentage(self.percentage)}{of}")
        return " ".join(parts)

    @property
    def display_with_basis(self) -> str:
        """'£1.9m, estimated'; 'over £700,000, forecast'."""
        return f"{self.display}, {self.get_basis_display().lower()}"

    @property
    def whose(self) -> str:
        """Whose saving it is, in words."""
        if self.authority_id:
            return f"{self.authority.name}'s own"
        return "The whole arrangement's"

    def clean(self):
        errors = {}
        if self.amount is None and self.percentage is None:
            errors["amount"] = "Give an amount in pounds, a percentage, or both."
        if self.period == self.Period.FINANCIAL_YEAR and self.financial_year is None:
            errors["financial_year"] = "Give the financial year, e.g. 2012 for 2012/13."
        if self.period != self.Period.FINANCIAL_YEAR and self.financial_year is not None:
            errors["period"] = (
                "A financial year is given, so the period must be 'In one financial year'."
            )
        if errors:
            raise ValidationError(errors)


class SavingShare(models.Model):
    """One authority's part of a whole-arrangement saving, where the source gives it or
    an administrator enters it. Shares are shown beside an authority's own savings,
    never added to them."""

    saving = models.ForeignKey(Saving, on_delete=models.CASCADE, related_name="shares")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="saving_shares")
    amount = models.DecimalField(
        **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    percentage = models.DecimalField(
        "share of the saving (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    note = models.TextField(blank=True, help_text="Where the share comes from.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["saving_id", "authority__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["saving", "authority"],
                name="saving_share_unique_authority",
                violation_error_message="This authority already has a share of this saving.",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(percentage__isnull=False),
                name="saving_share_has_amount_or_percentage",
            ),
        ]

    def __str__(self):
        return f"{self.authority}'s share of {self.saving}"

    @property
    def display(self) -> str:
        if self.amount is not None:
            return format_money(self.amount)
        return f"{format_percentage(self.percentage)} of it"

    def clean(self):
        errors = {}
        if self.amount is None and self.percentage is None:
            errors["amount"] = "Give the share in pounds, as a percentage of the saving, or both."
        saving = self.saving if self.saving_id else None
        if saving is not None and saving.authority_id:
            errors["saving"] = (
                "This saving already belongs to one authority; shares are for savings of a "
                "whole arrangement."
            )
        if (
            saving is not None
            and self.authority_id
            and not saving.arrangement.memberships.filter(authority_id=self.authority_id).exists()
        ):
            errors["authority"] = "That authority is not a partner in the saving's arrangement."
        if errors:
            raise ValidationError(errors)


class Milestone(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DONE = "done", "Done"
        MISSED = "missed", "Missed"

    arrangement = models.ForeignKey(
        Arrangement, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(max_length=200)
    date = models.DateField(null=True, blank=True, help_text="Empty when the source gives none.")
    date_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    note = models.TextField(blank=True)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="milestones"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["arrangement_id", "date", "pk"]
        indexes = [models.Index(fields=["date"], name="milestone_date")]

    def __str__(self):
        return f"{self.title} ({self.date_display or 'no date'})"

    @property
    def date_display(self) -> str:
        return format_partial_date(self.date, self.date_precision)


class SavingsTarget(models.Model):
    """An authority's budget savings target for one financial year."""

    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="savings_targets"
    )
    financial_year = FinancialYearField(
        validators=[MinValueValidator(1990), MaxValueValidator(2100)],
        help_text="For example 2012/13 (April 2012 to March 2013); 2012-13 or 2012 also do.",
    )
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal(0))])
    description = models.TextField(blank=True)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="savings_targets"
    )

    class Meta:
        ordering = ["authority_id", "financial_year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "financial_year"],
                name="savings_target_unique_year",
                violation_error_message="This authority already has a target for that year.",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="savings_target_not_negative"),
        ]

    def __str__(self):
        return f"{self.authority}: {format_money(self.amount)} in {self.financial_year_display}"

    @property
    def financial_year_display(self) -> str:
        return financial_year_label(self.financial_year)


class StatusTotal(models.Model):
    """The whole register's figures for the arrangements of one status, exempt or not:
    what the list's totals add up, kept by the one write path (register.signals) in the
    same transaction as every change, so that a list nobody has narrowed (and the home
    page) adds up at most fourteen of these rather than every arrangement
    (register.totals). ``check_register`` recomputes them and reports any drift."""

    exempt = models.BooleanField()
    status = models.CharField(max_length=30)
    arrangements = models.PositiveIntegerField()
    # The list's aggregates over these arrangements (register.totals.AGGREGATES), money as
    # text so that no figure is rounded on the way through JSON.
    figures = models.JSONField(default=dict)
    taking_part = models.JSONField(default=list, help_text="Authorities taking part (pks).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exempt", "status"], name="status_total_unique")
        ]

    def __str__(self):
        return f"{self.status}{' (exempt)' if self.exempt else ''}: {self.arrangements}"


# Indexes for sorting by a column that may be empty, empties last either way, as the
# list sorts (register/tables.py). SQLite cannot build NULLS LAST indexes, so migrations
# make these on PostgreSQL only (0010; 0014 adds `exempt` to them; a new database gets
# them from 0001_squashed_0020). Every sort index
# ends with `exempt`, so that a page for the public is read from the index alone.
NULLS_LAST_INDEXES = [
    models.Index(
        F("lead_name").asc(nulls_last=True), "title", "id", "exempt", name="arrangement_sort_lead"
    ),
    models.Index(
        F("lead_name").desc(nulls_last=True),
        F("title").desc(),
        F("id").desc(),
        "exempt",
        name="arrangement_sort_lead_desc",
    ),
    models.Index(
        F("first_service_area").asc(nulls_last=True),
        "title",
        "id",
        "exempt",
        name="arrangement_sort_area",
    ),
    models.Index(
        F("first_service_area").desc(nulls_last=True),
        F("title").desc(),
        F("id").desc(),
        "exempt",
        name="arrangement_sort_area_desc",
    ),
    models.Index(
        F("start_date").asc(nulls_last=True), "title", "id", "exempt", name="arrangement_sort_start"
    ),
    models.Index(
        F("start_date").desc(nulls_last=True),
        F("title").desc(),
        F("id").desc(),
        "exempt",
        name="arrangement_sort_start_desc",
    ),
]


# --- Following changes ----------------------------------------------------------------

# What one person may keep: a digest reads every one of them each day.
MOST_SAVED_SEARCHES = 50
MOST_WATCHES = 500
SAVED_SEARCH_NAME_LENGTH = 100
SAVED_SEARCH_QUERY_LENGTH = 2000


class SavedSearch(models.Model):
    """A named search of the list of arrangements, kept by one user: the list's filters
    as a query string (only the filters: not the page, page size or sort). The filters
    are checked by the list's own FilterSet when the search is saved and again whenever
    a digest reads it (register.following)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=SAVED_SEARCH_NAME_LENGTH)
    query = models.CharField(max_length=SAVED_SEARCH_QUERY_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["user_id", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                name="saved_search_unique_name",
                violation_error_message="You already have a saved search with this name.",
            )
        ]

    def __str__(self):
        return self.name

    def get_list_url(self) -> str:
        url = reverse("register:arrangement-list")
        return f"{url}?{self.query}" if self.query else url


class Watch(models.Model):
    """One user following one authority (every arrangement it takes part in) or one
    arrangement. Exactly one of the two."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    arrangement = models.ForeignKey(
        Arrangement, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["user_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(authority__isnull=True, arrangement__isnull=False)
                | Q(authority__isnull=False, arrangement__isnull=True),
                name="watch_one_record",
            ),
            models.UniqueConstraint(
                fields=["user", "authority"],
                condition=Q(authority__isnull=False),
                name="watch_unique_authority",
            ),
            models.UniqueConstraint(
                fields=["user", "arrangement"],
                condition=Q(arrangement__isnull=False),
                name="watch_unique_arrangement",
            ),
        ]

    def __str__(self):
        return str(self.authority or self.arrangement)


class Digest(models.Model):
    """One day's digest of one user: the changes it covered (after ``covered_from``, up
    to and including ``covered_until``), when it was sent and how many items it held.
    A day with nothing to tell is recorded too (``sent_at`` empty), so that the next
    digest starts where this one ended. One per user and day: a second run on the
    same day sends nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    day = models.DateField(help_text="The day (in the register's time zone) it covers up to.")
    covered_from = models.DateTimeField()
    covered_until = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    items = models.PositiveIntegerField(default=0, help_text="Items the email listed.")

    class Meta:
        ordering = ["user_id", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="digest_one_a_day"),
        ]

    def __str__(self):
        return f"{self.user} on {self.day}"


class ImportJob(models.Model):
    """A bulk import run by a worker rather than in the request that confirmed it (a file
    too long to check and save before the web server gives up on the request). The file
    is kept here until the job has run, so any worker, on any machine, can read it; the
    outcome (counts, or every reason nothing was imported) stays after it.

    ``rows_done`` is what was recorded here: the count while the job runs is published
    elsewhere (register.import_jobs), because the import's own transaction, which is the
    all-or-nothing rule, cannot show it to anyone else until it ends."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Importing"
        SUCCEEDED = "succeeded", "Imported"
        FAILED = "failed", "Nothing imported"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    model_name = models.CharField(max_length=40, help_text="What the file holds: arrangement.")
    file_name = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=20, help_text="The format chosen: csv, xlsx.")
    data = models.BinaryField(blank=True, help_text="The file; emptied once the job has run.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total_rows = models.PositiveIntegerField(help_text="Rows of the file under its headings.")
    rows_done = models.PositiveIntegerField(default=0, help_text="Rows checked and saved.")
    new_count = models.PositiveIntegerField(null=True, blank=True)
    updated_count = models.PositiveIntegerField(null=True, blank=True)
    unchanged_count = models.PositiveIntegerField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="Why nothing was imported.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import of {self.file_name or 'a file'} ({self.get_state_display()})"

    @property
    def finished(self) -> bool:
        return self.state in {self.State.SUCCEEDED, self.State.FAILED}


class ImportConfirmation(models.Model):
    """An import's preview confirmed: one row per file the preview kept, so that a file
    is imported once however many times its Confirm is sent (twice, or several at once).
    The unique file name is the claim: the first confirmation saves its row, and every
    other is refused by the database, and told what became of the first (its job, for a
    file imported in the background)."""

    file_name = models.CharField(
        max_length=64, unique=True, help_text="The name the preview gave the file it kept."
    )
    model_name = models.CharField(max_length=40, help_text="What the file holds: arrangement.")
    job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    confirmed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Confirmation of {self.file_name}"
