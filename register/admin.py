"""Admin registrations: every model can be seen and searched.

The full data-entry admin (inlines, per-authority rights, bulk import) builds on
these classes.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "nation", "slug"]
    list_filter = ["nation"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "position"]
    list_filter = ["level"]
    search_fields = ["name", "code"]


@admin.register(models.Authority)
class AuthorityAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "code",
        "gss_code",
        "tier",
        "region",
        "county",
        "start_date",
        "end_date",
    ]
    list_filter = ["tier__level", "tier", "region"]
    list_select_related = ["tier", "region", "county"]
    search_fields = ["name", "official_name", "code", "gss_code"]
    autocomplete_fields = ["county", "successors", "region", "tier"]
    filter_horizontal = ["editors"]


@admin.register(models.Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "slug"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["members"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "parent__name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "issuing_body", "date", "kind"]
    list_filter = ["kind"]
    search_fields = ["title", "issuing_body", "meeting", "reference"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(models.Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["statement", "value", "unit", "source"]
    list_filter = ["unit", "source"]
    list_select_related = ["source"]
    search_fields = ["statement"]


@admin.register(models.Arrangement)
class ArrangementAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "status", "partnership", "parent", "exempt", "updated_at"]
    list_filter = ["status", "kind", "exempt", "partnership"]
    list_select_related = ["partnership", "parent"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["service_areas", "partnership", "parent", "sources"]


@admin.register(models.Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["arrangement", "authority", "role"]
    list_filter = ["role"]
    list_select_related = ["arrangement", "authority"]
    search_fields = ["arrangement__title", "authority__name", "authority__code"]
    autocomplete_fields = ["arrangement", "authority"]


@admin.register(models.Saving)
class SavingAdmin(SimpleHistoryAdmin):
    list_display = [
        "arrangement",
        "authority",
        "amount",
        "percentage",
        "qualifier",
        "period",
        "financial_year",
        "basis",
        "cashable",
    ]
    list_filter = ["basis", "period", "qualifier"]
    list_select_related = ["arrangement", "authority"]
    search_fields = ["arrangement__title", "description"]
    autocomplete_fields = ["arrangement", "authority", "source"]


@admin.register(models.Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["title", "arrangement", "date", "date_precision", "status"]
    list_filter = ["status", "date_precision"]
    list_select_related = ["arrangement"]
    search_fields = ["title", "arrangement__title"]
    autocomplete_fields = ["arrangement", "source"]


@admin.register(models.SavingsTarget)
class SavingsTargetAdmin(admin.ModelAdmin):
    list_display = ["authority", "financial_year", "amount"]
    list_select_related = ["authority"]
    search_fields = ["authority__name", "authority__code"]
    autocomplete_fields = ["authority", "source"]
