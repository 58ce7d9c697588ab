"""What the API's records and summaries look like in JSON.

Every figure keeps what the pages and downloads say of it:

- a **sum** of savings (``Figure``) gives its words ("at least £700,000", "up to £35,000",
  "about £1,900,000 and 2 percentage savings"), the amount it is at least, the amount it
  is at most (null when an "over" or "at least" figure leaves it open), whether an
  "about" or "average" figure is in it, and how many money and percentage figures it
  adds up (percentages are counted, never added to pounds);
- a **saving** gives its qualifier ("over", "up to", "about"...), its basis (target,
  estimated, forecast, achieved), the source's own words where it gives them, and
  **whose** it is: the whole arrangement's, or one named authority's own. A
  partnership's figure is never given as one member's;
- whether a figure **counts in headline totals** (only savings of arrangements going
  ahead, never targets: register.figures.HEADLINE_RULE).

Money is a string with two decimal places, as JSON numbers lose pence.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..figures import HEADLINE_RULE, counts_in_headline
from ..models import (
    MONEY,
    MONEY_TOTAL,
    Arrangement,
    Authority,
    Kind,
    Membership,
    Milestone,
    Saving,
    ServiceArea,
    Status,
    Tier,
)

MONEY_FIELD = {"max_digits": MONEY_TOTAL["max_digits"], "decimal_places": 2}


class FigureSerializer(serializers.Serializer):
    """A sum of savings, with its qualifiers (register.figures.QualifiedTotal)."""

    text = serializers.CharField(
        help_text="The sum in words, qualifiers kept: 'at least £2,600,000', "
        "'£10,000 to £45,000', 'about £1,900,000 and 2 percentage savings', 'None recorded'."
    )
    at_least = serializers.DecimalField(
        source="lower", **MONEY_FIELD, help_text="The money figures add up to at least this."
    )
    at_most = serializers.DecimalField(
        source="upper",
        **MONEY_FIELD,
        allow_null=True,
        help_text="...and to at most this; null when an 'over' or 'at least' figure leaves "
        "it open-ended. Greater than at_least where 'up to' figures are in it.",
    )
    open_ended = serializers.BooleanField(
        help_text="An 'over' or 'at least' figure is in it, so it has no upper end."
    )
    approximate = serializers.BooleanField(
        help_text="An 'about' or 'average' figure is in it, so the sum is about this much."
    )
    money_figures = serializers.IntegerField(
        source="figures", help_text="How many money figures it adds up."
    )
    percentage_figures = serializers.IntegerField(
        source="percentages",
        help_text="How many figures given only as a percentage come with it: counted, "
        "never added to the pounds.",
    )


class AuthorityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Authority
        fields = ("code", "name", "org_id")


class SavingSerializer(serializers.ModelSerializer):
    """One saving as its source states it."""

    arrangement = serializers.CharField(
        source="arrangement_slug", help_text="The arrangement's slug."
    )
    whose = serializers.SerializerMethodField(
        help_text="'whole_arrangement': the whole arrangement's (a partnership-wide figure, "
        "never one member's); 'authority': one named authority's own."
    )
    whose_text = serializers.CharField(source="whose", help_text="Whose it is, in words.")
    authority = AuthorityRefSerializer(
        allow_null=True,
        help_text="The authority whose own saving it is; null for the whole arrangement's.",
    )
    text = serializers.CharField(
        source="display",
        help_text="As the pages show it: 'over £700,000 (2.5% of fostering spend)', "
        "'up to 35%', '£1.9m'.",
    )
    qualifier_label = serializers.CharField(source="get_qualifier_display")
    basis_label = serializers.CharField(source="get_basis_display")
    period_label = serializers.CharField(source="get_period_display")
    financial_year_label = serializers.CharField(
        source="financial_year_display",
        help_text="'2012/13'; empty when the source ties it to no year.",
    )
    counts_in_headline = serializers.SerializerMethodField(
        help_text="Whether it counts in headline totals: a money figure, not a target, of an "
        "arrangement going ahead. " + HEADLINE_RULE
    )
    source = serializers.SerializerMethodField(help_text="The source's slug, if recorded.")

    class Meta:
        model = Saving
        fields = (
            "id",
            "arrangement",
            "whose",
            "whose_text",
            "authority",
            "text",
            "amount",
            "percentage",
            "percentage_of",
            "qualifier",
            "qualifier_label",
            "stated",
            "basis",
            "basis_label",
            "period",
            "period_label",
            "financial_year",
            "financial_year_label",
            "cashable",
            "description",
            "counts_in_headline",
            "source",
        )
        extra_kwargs = {
            "amount": {"help_text": "In pounds; null for a saving given only as a percentage."},
            "financial_year": {"help_text": "The year it starts: 2012 for 2012/13."},
        }

    @extend_schema_field(serializers.ChoiceField(choices=["whole_arrangement", "authority"]))
    def get_whose(self, saving) -> str:
        return "authority" if saving.authority_id else "whole_arrangement"

    @extend_schema_field(serializers.BooleanField())
    def get_counts_in_headline(self, saving) -> bool:
        return (
            saving.amount is not None
            and saving.basis != Saving.Basis.TARGET
            and counts_in_headline(saving.arrangement_status)
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_source(self, saving):
        return saving.source.slug if saving.source_id else None


class ConfirmationSerializer(serializers.Serializer):
    """When a council taking part last confirmed the record, which, and in which role of
    the register: never who."""

    at = serializers.DateTimeField()
    authority = AuthorityRefSerializer(
        allow_null=True,
        help_text="The council that confirmed it (null if it is no longer in the register).",
    )
    role = serializers.CharField(help_text="'Editor' or 'Administrator'.")
    stale = serializers.BooleanField(
        help_text="Over a year ago: the page flags the record as possibly out of date."
    )


class ArrangementSerializer(serializers.ModelSerializer):
    """A row of the arrangement list: what the list page and its download show."""

    url = serializers.SerializerMethodField(help_text="Its page on this site.")
    status_label = serializers.SerializerMethodField()
    kind_label = serializers.SerializerMethodField()
    lead = AuthorityRefSerializer(allow_null=True, help_text="The lead authority, if any.")
    partner_count = serializers.IntegerField(
        help_text="Members taking part: lead, host or partner (not prospective, joining or "
        "withdrawn)."
    )
    service_areas = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    partnership = serializers.CharField(
        source="partnership_slug", allow_null=True, help_text="The sponsoring partnership's slug."
    )
    parent = serializers.CharField(
        source="parent_slug",
        allow_null=True,
        help_text="For a workstream, its programme's slug (null where the reader may not see it).",
    )
    savings_recorded = serializers.SerializerMethodField(
        help_text="Every money and percentage saving recorded for it, targets aside: the "
        "whole arrangement's and its partners' own (the list's 'Savings recorded')."
    )
    savings_count_in_headline = serializers.SerializerMethodField(
        help_text="Whether its savings count in headline totals (it is going ahead). "
        + HEADLINE_RULE
    )
    last_confirmed = serializers.SerializerMethodField(
        help_text="When a council taking part last confirmed that the record is right; "
        "null if none has."
    )

    class Meta:
        model = Arrangement
        fields = (
            "slug",
            "title",
            "url",
            "summary",
            "status",
            "status_label",
            "kind",
            "kind_label",
            "lead",
            "partner_count",
            "service_areas",
            "partnership",
            "parent",
            "start_date",
            "start_precision",
            "end_date",
            "end_precision",
            "review_date",
            "break_date",
            "how_to_leave",
            "last_confirmed",
            "savings_recorded",
            "savings_count_in_headline",
            "open_to_members",
            "contact_role",
            "contact_email",
            "exempt",
            "updated_at",
        )

    def get_url(self, arrangement) -> str:
        return arrangement.get_absolute_url()

    # Methods rather than source="get_status_display": for a source that is a method,
    # DRF inspects its signature on every row.
    def get_status_label(self, arrangement) -> str:
        return arrangement.get_status_display()

    def get_kind_label(self, arrangement) -> str:
        return arrangement.get_kind_display()

    @cached_property
    def _figure(self) -> FigureSerializer:
        # One for every row: a serializer made per row copies all its fields each time.
        return FigureSerializer()

    @extend_schema_field(FigureSerializer)
    def get_savings_recorded(self, arrangement):
        return self._figure.to_representation(arrangement.savings_figure)

    def get_savings_count_in_headline(self, arrangement) -> bool:
        return counts_in_headline(arrangement.status)

    @extend_schema_field(ConfirmationSerializer(allow_null=True))
    def get_last_confirmed(self, arrangement):
        confirmed = arrangement.seen_confirmed_at
        if confirmed is None:
            return None
        return ConfirmationSerializer(
            {
                "at": confirmed,
                "authority": arrangement.last_confirmed_by,
                "role": arrangement.last_confirmed_role,
                "stale": arrangement.confirmation_is_stale(timezone.now()),
            }
        ).data


class MembershipSerializer(serializers.ModelSerializer):
    authority = AuthorityRefSerializer()
    role_label = serializers.CharField(source="get_role_display")
    taking_part = serializers.SerializerMethodField(
        help_text="Lead, host or partner: counted as taking part."
    )

    class Meta:
        model = Membership
        fields = (
            "authority",
            "role",
            "role_label",
            "taking_part",
            "start_date",
            "end_date",
            "inferred",
            "note",
        )

    def get_taking_part(self, membership) -> bool:
        return membership.role in Membership.JOINED


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ("title", "date", "date_precision", "status")


class SourceRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    date = serializers.DateField(allow_null=True)


class ArrangementDetailSerializer(ArrangementSerializer):
    """One arrangement with its partners, savings, milestones and sources."""

    partners = MembershipSerializer(source="memberships", many=True)
    savings = SavingSerializer(many=True, help_text="Every saving, targets included.")
    milestones = MilestoneSerializer(many=True)
    sources = SourceRefSerializer(many=True)

    class Meta(ArrangementSerializer.Meta):
        fields = (
            *ArrangementSerializer.Meta.fields,
            "description",
            "governance",
            "objectives",
            "benefits",
            "barriers",
            "partners",
            "savings",
            "milestones",
            "sources",
        )


class TierRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ("slug", "name", "level")


class AuthoritySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Its page on this site.")
    tier = TierRefSerializer()
    region = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    county = serializers.CharField(
        source="county_code", allow_null=True, help_text="For a shire district: its county's code."
    )
    arrangement_count = serializers.IntegerField(
        allow_null=True,
        help_text="Arrangements it takes part in (lead, host or partner) that the reader may see.",
    )

    class Meta:
        model = Authority
        fields = (
            "code",
            "name",
            "official_name",
            "url",
            "gss_code",
            "org_id",
            "tier",
            "region",
            "county",
            "combined_authority",
            "start_date",
            "end_date",
            "population",
            "website",
            "arrangement_count",
        )
        extra_kwargs = {
            "gss_code": {"help_text": "ONS code, e.g. E08000033; null for bodies not councils."},
            "org_id": {
                "help_text": "org-id.guide identifier: GB-LAE-<code> (Local Authorities for "
                "England register) or GB-PLA-<code> (Principal Local Authority register for "
                "Wales); empty for a body neither register lists."
            },
        }

    def get_url(self, authority) -> str:
        return authority.get_absolute_url()


class RoleCountSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class KeptApartSerializer(serializers.Serializer):
    going_ahead = FigureSerializer(
        help_text="Of arrangements going ahead, targets aside: what a headline counts."
    )
    not_going_ahead = FigureSerializer(
        help_text="Of ideas not yet decided or not pursued: shown apart, never counted."
    )
    count = serializers.IntegerField(help_text="How many savings, targets included.")


class AuthoritySavingsSerializer(serializers.Serializer):
    """An authority's savings kept apart by whose they are: never added together."""

    own = KeptApartSerializer(help_text="Savings recorded as this authority's own.")
    whole_arrangements = KeptApartSerializer(
        help_text="The whole-arrangement figures of arrangements it takes part in: each "
        "belongs to the whole partnership, not to this authority, and is never added to "
        "its own."
    )


class AuthorityDetailSerializer(AuthoritySerializer):
    roles = serializers.SerializerMethodField(
        help_text="Arrangements the reader may see in which it is named, by role."
    )
    taking_part = serializers.SerializerMethodField(
        help_text="Of those, the ones it takes part in: lead, host or partner."
    )
    savings = serializers.SerializerMethodField()

    class Meta(AuthoritySerializer.Meta):
        fields = (*AuthoritySerializer.Meta.fields, "roles", "taking_part", "savings")

    @extend_schema_field(RoleCountSerializer(many=True))
    def get_roles(self, authority):
        return RoleCountSerializer(self.context["figures"]["roles"], many=True).data

    def get_taking_part(self, authority) -> int:
        return self.context["figures"]["taking_part"]

    @extend_schema_field(AuthoritySavingsSerializer)
    def get_savings(self, authority):
        s = self.context["figures"]["savings"]
        return AuthoritySavingsSerializer(
            {
                "own": {
                    "going_ahead": s.own_total,
                    "not_going_ahead": s.own_apart,
                    "count": s.own_count,
                },
                "whole_arrangements": {
                    "going_ahead": s.whole_total,
                    "not_going_ahead": s.whole_apart,
                    "count": s.whole_count,
                },
            }
        ).data


class ServiceAreaSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Its page on this site.")
    parent = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="Null for a category."
    )
    is_category = serializers.BooleanField(read_only=True)
    arrangement_count = serializers.SerializerMethodField(
        help_text="Arrangements the reader may see tagged with it (for a category, with it "
        "or any of its services, each once)."
    )

    class Meta:
        model = ServiceArea
        fields = (
            "slug",
            "name",
            "url",
            "parent",
            "is_category",
            "description",
            "lgsl_code",
            "arrangement_count",
        )
        extra_kwargs = {
            "lgsl_code": {
                "help_text": "Its Local Government Service List number, where the list has "
                "one service that is this one; null otherwise."
            }
        }

    def get_url(self, area) -> str:
        return area.get_absolute_url()

    def get_arrangement_count(self, area) -> int:
        return self.context["counts"].get(area.pk, 0)


# --- Summaries ------------------------------------------------------------------------


class NarrowingSerializer(serializers.Serializer):
    parameter = serializers.CharField()
    value = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    """What every summary says besides its figures."""

    narrowing = NarrowingSerializer(
        many=True, help_text="The list filters in force, as (parameter, value) pairs."
    )
    rule = serializers.CharField(help_text="Which savings the figures count.")


class BasisTotalSerializer(serializers.Serializer):
    basis = serializers.ChoiceField(choices=Saving.Basis.choices)
    label = serializers.CharField()
    total = FigureSerializer()


class StatusCountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class IndexSummarySerializer(SummarySerializer):
    arrangements = serializers.IntegerField()
    authorities_taking_part = serializers.IntegerField()
    headline = FigureSerializer(
        help_text="Savings of the arrangements going ahead, targets aside (the headline)."
    )
    headline_by_basis = BasisTotalSerializer(many=True)
    apart = FigureSerializer(
        help_text="Savings of ideas not yet decided or not pursued: shown apart, not counted."
    )
    with_savings_figure = serializers.IntegerField(
        help_text="Arrangements with any saving recorded."
    )
    by_status = StatusCountSerializer(many=True)


class CoverageSerializer(serializers.Serializer):
    """Whether the register covers the groups well enough to compare them."""

    can_conclude = serializers.BooleanField()
    verdict = serializers.CharField()
    held = serializers.CharField(help_text="What the register holds, in words.")


class TierRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A tier's slug, or a tier level.")
    label = serializers.CharField()
    is_level = serializers.BooleanField(help_text="A tier level rather than one tier.")
    authorities = serializers.IntegerField()
    participating = serializers.IntegerField(
        help_text="Of them, those taking part in any arrangement counted."
    )
    arrangements = serializers.IntegerField(help_text="Arrangements with a partner of it.")
    with_savings = serializers.IntegerField()
    savings = FigureSerializer(
        help_text="Whole savings of those arrangements going ahead: each arrangement's "
        "figure counts in every tier of its partners, and is no one partner's."
    )
    savings_median = serializers.DecimalField(
        **MONEY_FIELD,
        allow_null=True,
        help_text="The median of the at-least savings of those going ahead with a money figure.",
    )
    savings_figures = serializers.IntegerField(help_text="How many the median is of.")


class TierSummarySerializer(SummarySerializer):
    rows = TierRowSerializer(many=True)
    total = serializers.IntegerField(help_text="Arrangements in view.")
    answer = CoverageSerializer()


class KindCountSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    count = serializers.IntegerField()


class AreaRowSerializer(serializers.Serializer):
    slug = serializers.CharField()
    label = serializers.CharField()
    is_category = serializers.BooleanField()
    arrangements = serializers.IntegerField()
    with_savings = serializers.IntegerField()
    savings = FigureSerializer(help_text="Whole savings of those going ahead.")
    kinds = KindCountSerializer(source="kind_counts", many=True)


class ServiceAreaSummarySerializer(SummarySerializer):
    rows = AreaRowSerializer(many=True)
    total = serializers.IntegerField()
    answer = CoverageSerializer()


class RegionRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The region's slug.")
    label = serializers.CharField()
    authorities = serializers.IntegerField()
    participating = serializers.IntegerField()
    arrangements = serializers.IntegerField(help_text="Arrangements with a partner there.")
    savings = FigureSerializer(
        help_text="Whole savings of those going ahead: each counts in every region of its partners."
    )


class RegionSummarySerializer(SummarySerializer):
    rows = RegionRowSerializer(many=True)
    total = serializers.IntegerField()
    answer = CoverageSerializer()


class YearRowSerializer(serializers.Serializer):
    financial_year = serializers.IntegerField(allow_null=True)
    financial_year_label = serializers.CharField(source="year_label")
    basis = serializers.ChoiceField(choices=Saving.Basis.choices)
    basis_label = serializers.CharField()
    cashable = serializers.BooleanField(allow_null=True)
    total = FigureSerializer()
    arrangements = serializers.IntegerField(help_text="Arrangements the savings come from.")


class TargetRowSerializer(serializers.Serializer):
    authority = AuthorityRefSerializer()
    financial_year = serializers.IntegerField(source="year")
    financial_year_label = serializers.CharField(source="label")
    target = serializers.DecimalField(
        max_digits=MONEY["max_digits"], decimal_places=2, allow_null=True
    )
    recorded = FigureSerializer(
        allow_null=True, help_text="Its own savings that year (of arrangements going ahead)."
    )
    shares = FigureSerializer(
        allow_null=True,
        help_text="Apart from its own: its shares of whole-arrangement savings that year.",
    )


class SavingsSummarySerializer(SummarySerializer):
    rows = YearRowSerializer(
        many=True, help_text="Savings of arrangements going ahead, by year, basis and cashable."
    )
    apart = FigureSerializer(help_text="Of those not going ahead: shown apart, never added in.")
    targets = TargetRowSerializer(many=True)
