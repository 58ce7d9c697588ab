"""The data-entry admin.

Arrangements are entered with their partners, savings and milestones on one page.
Rights: Viewers read (and see exempt records); Editors add arrangements and change
those in which one of their authorities takes part; Administrators change
everything, reference data included. Every change is kept in the history.
"""

import contextlib
import os
import re
import tempfile

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, transaction
from django.db import models as db_models
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin
from tablib import InvalidDimensions

from . import import_jobs, models, permissions
from .exports import NoRows
from .filters import ArrangementFilterSet
from .forms import (
    ArrangementAdminForm,
    ArrangementChildForm,
    MembershipAdminForm,
    MembershipFormSet,
    SavingAdminForm,
    SavingFormSet,
)
from .importers import (
    ArrangementResource,
    SavingResource,
    template_csv,
    unreadable_file_message,
)
from .middleware import database_is_locked
from .signals import refreshed_once

PREVIEW_FILE_NAME = re.compile(r"tmp[a-z0-9_]{8}")


class ImportsAndExports(ImportExportMixin):
    """django-import-export's import and export, telling someone whose file cannot be read
    why in their words (not "'UnicodeDecodeError' encountered while trying to read
    file")."""

    def process_import(self, request, **kwargs):
        # The file chosen is kept on the server between the preview and the confirmation.
        # A file is imported once: the first confirmation claims it (register.import_jobs
        # .confirm), and a confirmation sent again, or several sent at once, are told it
        # was confirmed already, with a link to its job for a background import. A name
        # that was never confirmed and is not there is told to choose the file again.
        # Only a name of the kind the preview gives its file (Python's temporary files,
        # "tmp" and eight letters or digits): a made-up name is never opened, let alone
        # imported and removed.
        if request.method != "POST":
            return super().process_import(request, **kwargs)  # which answers 405
        if not self.has_import_permission(request):
            raise PermissionDenied  # the rule first, before anything is read of the request
        name = os.path.basename(request.POST.get("import_file_name", ""))
        try:
            if not PREVIEW_FILE_NAME.fullmatch(name):
                raise FileNotFoundError(name)
            import_jobs.forget_old_confirmations()
            started = self._start_background_import(request, name)
            if started is not None:
                return started
            return self._import_once(request, name, **kwargs)
        except import_jobs.AlreadyConfirmed as already:
            return self._already_confirmed(request, already.confirmation)
        except (OSError, NoRows, InvalidDimensions):
            confirmation = import_jobs.confirmed_before(name) if name else None
            if confirmation is not None:
                return self._already_confirmed(request, confirmation)
            self.message_user(
                request,
                "The file to import is no longer here (a file is imported once, when its "
                "preview is confirmed): choose it again; nothing was imported.",
                messages.ERROR,
            )
            return HttpResponseRedirect(self._import_url())

    def _import_url(self):
        info = self.opts.app_label, self.opts.model_name
        return reverse("admin:{}_{}_import".format(*info))

    def _import_once(self, request, name, **kwargs):
        """A previewed file's import, claimed first so that it happens once. Should it
        stop with an error while the file is still there (nothing was saved: the file is
        removed only once the import is done), the claim is let go, and confirming again
        tries again."""
        if not os.path.exists(os.path.join(tempfile.gettempdir(), name)):
            raise FileNotFoundError(name)
        confirmation = import_jobs.confirm(
            preview_file=name, model_name=self.opts.model_name, user=request.user
        )
        try:
            return super().process_import(request, **kwargs)
        except BaseException:
            if os.path.exists(os.path.join(tempfile.gettempdir(), name)):
                import_jobs.forget_confirmation(confirmation)
            raise

    def _already_confirmed(self, request, confirmation):
        """The answer to a confirmation of a file confirmed before: nothing more is
        imported, and where to see what the first confirmation did."""
        when = timezone.localtime(confirmation.confirmed_at).strftime("%d %B %Y at %H:%M")
        if confirmation.job_id is not None:
            info = self.opts.app_label, confirmation.model_name
            job_url = reverse("admin:{}_{}_import_job".format(*info), args=[confirmation.job_id])
            message = format_html(
                "This file was already confirmed on {} and is imported once, by its "
                '<a href="{}">import job</a>: confirming it again imported nothing more.',
                when,
                job_url,
            )
            self.message_user(request, message, messages.WARNING)
            return HttpResponseRedirect(job_url)
        self.message_user(
            request,
            f"This file was already confirmed on {when}, and a file is imported once: "
            "confirming it again imported nothing more. The list shows what it imported.",
            messages.WARNING,
        )
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))

    # --- Files too long to preview: imported by a background job (register.import_jobs)

    def import_action(self, request, **kwargs):
        if request.method == "POST" and self.has_import_permission(request):
            response = self._background_import_confirmation(request)
            if response is not None:
                return response
        return super().import_action(request, **kwargs)

    def _background_import_confirmation(self, request):
        """For a file of more rows than a preview can check in time: no preview, but the
        confirmation, saying how many rows and what happens next. None for any other
        file (the preview shows it, or says why it cannot be read)."""
        import_form = self.create_import_form(request)
        if not import_form.is_valid():
            return None
        input_format = self.get_import_formats()[int(import_form.cleaned_data["format"])]()
        if not input_format.is_binary():
            input_format.encoding = self.from_encoding
        import_file = import_form.cleaned_data["import_file"]
        tmp_storage = self.write_to_tmp_storage(import_file, input_format)
        try:
            rows = len(input_format.create_dataset(tmp_storage.read()))
        except Exception:  # the preview reads it again, and says why it cannot
            tmp_storage.remove()
            return None
        if not import_jobs.is_background(rows):
            tmp_storage.remove()
            return None
        import_file.tmp_storage_name = tmp_storage.name
        context = self.get_import_context_data()
        context.update(self.admin_site.each_context(request))
        context.update(
            {
                "title": "Import",
                "form": import_form,
                "confirm_form": self.create_confirm_form(request, import_form=import_form),
                "background_rows": rows,
                "opts": self.model._meta,
                "media": self.media + import_form.media,
            }
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def _start_background_import(self, request, name):
        """The confirmation of a file too long to import in this request: its job, started,
        and the page that follows it. None for a file imported here, as before."""
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return None
        input_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])](
            encoding=self.from_encoding
        )
        tmp_storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"],
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        data = tmp_storage.read()
        rows = len(input_format.create_dataset(data))
        if not import_jobs.is_background(rows):
            return None
        job = import_jobs.start_import(
            user=request.user,
            model_name=self.opts.model_name,
            file_format=input_format.get_title(),
            data=data,
            file_name=confirm_form.cleaned_data.get("original_file_name") or "",
            rows=rows,
            preview_file=name,
        )
        # The job has its own copy of the file, and is saved: whatever becomes of the
        # preview's, the import goes on.
        with contextlib.suppress(OSError):
            tmp_storage.remove()
        self.message_user(
            request,
            f"The import of {rows:,} rows has started. Nothing is changed unless every row "
            "is right; this page shows how far it has got.",
        )
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_import_job".format(*info), args=[job.pk]))

    def import_job_view(self, request, job_id):
        """How far a background import has got, for those who may import: the page
        reloads itself (a meta refresh, no JavaScript) until the job has finished."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method not in {"GET", "HEAD"}:
            return HttpResponseNotAllowed(["GET", "HEAD"])
        job = get_object_or_404(models.ImportJob, pk=job_id, model_name=self.opts.model_name)
        progress = import_jobs.import_progress(job)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import of {job.file_name or 'a file'}",
            "opts": self.opts,
            "progress": progress,
            "refresh_seconds": 3,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/register/import_job.html", context)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import-jobs/<uuid:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="{}_{}_import_job".format(*info),
            ),
            *super().get_urls(),
        ]

    def add_data_read_fail_error_to_form(self, form, e):
        formats = self.get_import_formats()
        try:
            chosen = formats[int(form.cleaned_data["format"])]().get_title()
        except (KeyError, IndexError, TypeError, ValueError):
            chosen = "the format chosen"
        form.add_error("import_file", unreadable_file_message(e, str(chosen)))


class KeepsWhatIsTyped:
    """Text inputs without a maxlength attribute: a browser silently cuts typed or pasted
    text at it. Instead the form refuses text that is too long and says by how much, and
    everything typed stays in the form to be shortened."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs.pop("maxlength", None)
        return field


class GuardedHistoryAdmin(KeepsWhatIsTyped, SimpleHistoryAdmin):
    """Change history for everyone who may read a record. Its "revert" form saves only for
    someone who may change the record now, and (through ``save_model``) only a copy they
    may change: django-simple-history itself lets anyone who may view history save it."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
        with transaction.atomic():
            return super().history_form_view(request, object_id, version_id, extra_context)


class EntryAdmin(GuardedHistoryAdmin):
    """Arrangements and the records that hang off them. Every right on one record is the
    rule in register.permissions, and every save is checked against it again, whichever
    view (change form, add page, history revert) makes it."""

    def _rule(self, request, action, obj):
        return request.user.has_perm(f"register.{action}_{self.opts.model_name}", obj)

    def has_change_permission(self, request, obj=None):
        return self._rule(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._rule(request, "delete", obj)

    def save_model(self, request, obj, form, change):
        if not permissions.may_change_arrangement(request.user, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        if not self.has_delete_permission(request, obj):
            raise PermissionDenied
        # What hangs off it goes with it: its arrangement's figures and the register's
        # totals are worked out once, not once per partner and saving.
        with refreshed_once():
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        if not all(self.has_delete_permission(request, obj) for obj in queryset):
            raise PermissionDenied
        # The arrangements touched are locked and worked out again once, in order, not
        # once per record deleted (in the order Django deletes them), which could
        # deadlock with another write locking the same arrangements in order.
        with refreshed_once():
            super().delete_queryset(request, queryset)


class ArrangementChildAdmin(EntryAdmin):
    """A partner, saving or milestone on its own page: only for an arrangement the user
    may change (the form says so; ``save_model`` refuses anything else)."""

    form = ArrangementChildForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    # A change here makes any arrangement form opened before it stale (its inline rows
    # would write the old values back): the arrangement's version moves on.

    def save_model(self, request, obj, form, change):
        before = form.initial.get("arrangement") if change else None
        super().save_model(request, obj, form, change)
        models.Arrangement.objects.changed_elsewhere({obj.arrangement_id, before})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        models.Arrangement.objects.changed_elsewhere({obj.arrangement_id})

    def delete_queryset(self, request, queryset):
        ids = set(queryset.values_list("arrangement_id", flat=True))
        super().delete_queryset(request, queryset)
        models.Arrangement.objects.changed_elsewhere(ids)


# --- Reference data: administrators only (through model permissions) ----------------


@admin.register(models.Region)
class RegionAdmin(KeepsWhatIsTyped, admin.ModelAdmin):
    list_display = ["name", "nation", "slug"]
    list_filter = ["nation"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Tier)
class TierAdmin(KeepsWhatIsTyped, admin.ModelAdmin):
    list_display = ["name", "code", "level", "position"]
    list_filter = ["level"]
    search_fields = ["name", "code"]


@admin.register(models.Authority)
class AuthorityAdmin(GuardedHistoryAdmin):
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
class PartnershipAdmin(KeepsWhatIsTyped, admin.ModelAdmin):
    list_display = ["name", "short_name", "slug"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["members"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.ServiceArea)
class ServiceAreaAdmin(KeepsWhatIsTyped, admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "parent__name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def delete_queryset(self, request, queryset):
        # Each area's arrangements are worked out again once, for all of them, in order.
        with refreshed_once():
            super().delete_queryset(request, queryset)


@admin.register(models.Source)
class SourceAdmin(GuardedHistoryAdmin):
    list_display = ["title", "issuing_body", "date", "kind"]
    list_filter = ["kind"]
    search_fields = ["title", "issuing_body", "meeting", "reference"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(models.Finding)
class FindingAdmin(KeepsWhatIsTyped, admin.ModelAdmin):
    list_display = ["statement", "value", "unit", "source"]
    list_filter = ["unit", "source"]
    list_select_related = ["source"]
    search_fields = ["statement"]
    autocomplete_fields = ["source"]


@admin.register(models.SavingsTarget)
class SavingsTargetAdmin(KeepsWhatIsTyped, admin.ModelAdmin):
    list_display = ["authority", "financial_year", "amount"]
    list_select_related = ["authority"]
    search_fields = ["authority__name", "authority__code"]
    autocomplete_fields = ["authority", "source"]


# --- Arrangements --------------------------------------------------------------------


class ArrangementChildInline(KeepsWhatIsTyped, admin.StackedInline):
    """Partners, savings and milestones on the arrangement's page, stacked: side by side
    their fields made the form 1,500 to 2,900 px wide at 1280."""

    extra = 0
    formfield_overrides = {
        db_models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}
    }

    def _parent_editable(self, request, obj):
        return permissions.may_change_arrangement(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._parent_editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_editable(request, obj)


class MembershipInline(ArrangementChildInline):
    model = models.Membership
    formset = MembershipFormSet
    autocomplete_fields = ["authority"]
    fields = ["authority", "role", "start_date", "end_date", "note"]
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request_user = request.user
        return formset


class SavingInline(ArrangementChildInline):
    model = models.Saving
    formset = SavingFormSet
    autocomplete_fields = ["authority", "source"]
    fields = [
        "amount",
        "percentage",
        "percentage_of",
        "qualifier",
        "period",
        "financial_year",
        "basis",
        "cashable",
        "authority",
        "description",
        "source",
    ]


class MilestoneInline(ArrangementChildInline):
    model = models.Milestone
    autocomplete_fields = ["source"]
    fields = ["title", "date", "date_precision", "status", "note", "source"]


class FilterSetListFilter(admin.SimpleListFilter):
    """An admin list filter that is one of the list page's FilterSet filters, so the admin
    narrows arrangements exactly as /arrangements/ does (same rules, same queries)."""

    filterset_class = ArrangementFilterSet

    def lookups(self, request, model_admin):
        field = self.filterset_class.base_filters[self.parameter_name].field
        return [(str(value), label) for value, label in field.choices if str(value)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        data = QueryDict(mutable=True)
        data[self.parameter_name] = self.value()
        filterset = self.filterset_class(data, queryset=queryset, request=request)
        return filterset.qs if filterset.is_valid() else queryset.none()


class TierListFilter(FilterSetListFilter):
    title = "tier of a partner"
    parameter_name = "tier"


class TierLevelListFilter(FilterSetListFilter):
    title = "tier level of a partner"
    parameter_name = "tier_level"


class RegionListFilter(FilterSetListFilter):
    title = "region of a partner"
    parameter_name = "region"


def _status_action(status, label):
    def action(modeladmin, request, queryset):
        changed = refused = 0
        # The register's totals are worked out once, when all are marked.
        with transaction.atomic(), refreshed_once():
            chosen = list(queryset.values_list("pk", flat=True))
            for arrangement in models.Arrangement.objects.select_for_update().filter(pk__in=chosen):
                if not permissions.may_change_arrangement(request.user, arrangement):
                    refused += 1
                    continue
                if arrangement.status != status:
                    arrangement.status = status
                    arrangement._change_reason = f"Status set to {label} for several at once"
                    arrangement.save()
                    changed += 1
        modeladmin.message_user(request, f"{changed} arrangement(s) marked {label}.")
        if refused:
            modeladmin.message_user(
                request,
                f"{refused} arrangement(s) left unchanged: none of your authorities takes part.",
                messages.WARNING,
            )

    action.__name__ = f"mark_{status}"
    action.short_description = f"Mark selected arrangements as {label}"
    action.allowed_permissions = ("change",)
    return action


@admin.register(models.Arrangement)
class ArrangementAdmin(ImportsAndExports, EntryAdmin):
    form = ArrangementAdminForm
    resource_classes = [ArrangementResource]
    inlines = [MembershipInline, SavingInline, MilestoneInline]
    list_display = [
        "title",
        "kind",
        "status",
        "partner_count",
        "savings_display",
        "partnership",
        "exempt",
        "updated_at",
    ]
    list_filter = [
        "status",
        "kind",
        ("service_areas", admin.RelatedOnlyFieldListFilter),
        TierLevelListFilter,
        TierListFilter,
        RegionListFilter,
        "partnership",
        "open_to_members",
        "exempt",
    ]
    list_select_related = ["partnership"]
    search_fields = ["title", "summary", "slug", "memberships__authority__name"]
    date_hierarchy = "updated_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["service_areas", "partnership", "parent", "sources"]
    readonly_fields = ["last_confirmed_at", "last_confirmed_by", "last_confirmed_role"]
    actions = [_status_action(value, label) for value, label in models.Status.choices]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "summary",
                    "description",
                    "kind",
                    "status",
                    "exempt",
                    "loaded_version",
                ]
            },
        ),
        ("Where it sits", {"fields": ["service_areas", "partnership", "parent", "governance"]}),
        ("Dates", {"fields": [("start_date", "start_precision"), ("end_date", "end_precision")]}),
        (
            "Review and leaving",
            {
                "fields": [
                    "review_date",
                    "break_date",
                    "how_to_leave",
                    ("last_confirmed_at", "last_confirmed_by", "last_confirmed_role"),
                ],
                "description": "When the partners will review it, when a partner may next "
                "leave, and how. Whether a council has confirmed the record is set from "
                "the authority's page ('Confirm our records'), not here.",
            },
        ),
        ("Objectives, benefits and barriers", {"fields": ["objectives", "benefits", "barriers"]}),
        ("Sources", {"fields": ["sources"]}),
        (
            "Open to new members",
            {
                "fields": ["open_to_members", "contact_role", "contact_email"],
                "description": "Whether the partners would welcome other councils, and whom "
                "to ask: a role and a team's shared mailbox, never a person's name or their "
                "own address (this is shown on the public page). Leave the contact empty "
                "unless it welcomes new members.",
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_totals()

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        if (
            request.path == reverse("admin:autocomplete")
            and request.GET.get("field_name") == "arrangement"
            and request.GET.get("model_name") in permissions.CHILD_MODELS
        ):
            # Choosing the arrangement for a partner, saving or milestone: offer only
            # those the user may add to.
            queryset = permissions.editable_arrangements(request.user, queryset)
        return queryset, True

    @admin.display(description="Savings recorded", ordering="savings_lower")
    def savings_display(self, obj):
        return obj.savings_figure.text if obj.savings_figure else "–"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.busy = getattr(request, "_register_busy", False)
        form.request_user = request.user
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except models.ConcurrentEditError:
            # Another save landed between this form's check and its write. Nothing of
            # this one was written; shown again, the form now names what changed.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except OperationalError as error:
            if not database_is_locked(error):
                raise
            # SQLite allows one writer at a time, and another write held it too long.
            # Show the form again with what was typed, outside a transaction (which
            # would wait for the same lock), and ask for another try.
            request._register_busy = True
            return self._changeform_view(request, object_id, form_url, extra_context)

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        memberships = next((f for f in formsets if isinstance(f, MembershipFormSet)), None)
        for formset in formsets:
            if isinstance(formset, SavingFormSet):
                formset.membership_formset = memberships
        return formsets, inline_instances

    def save_model(self, request, obj, form, change):
        if change and form.cleaned_data.get("loaded_version") is not None:
            # Saved only if the row still holds the version this form was opened at.
            obj.version = form.cleaned_data["loaded_version"]
        super().save_model(request, obj, form, change)

    def _changeform_view(self, request, object_id, form_url, extra_context):
        # The arrangement, then its areas, partners, savings and milestones: its figures,
        # search document and the register's totals are worked out once from them all,
        # not after each (inside the admin's transaction: changeform_view opens it).
        with refreshed_once():
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "import-template/",
                self.admin_site.admin_view(self.import_template),
                name="register_arrangement_import_template",
            ),
            *super().get_urls(),
        ]

    def import_template(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        response = HttpResponse(template_csv(ArrangementResource), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="arrangements-template.csv"'
        return response

    def has_import_permission(self, request):
        # Bulk loads can touch any authority's arrangements: administrators only.
        return permissions.may_import(request.user) and self.has_add_permission(request)


def delete_memberships(modeladmin, request, queryset):
    """Django's "delete selected", refusing to take away an editor's last membership, or a
    partner that still has savings in the arrangement."""
    if request.POST.get("post"):
        for membership in queryset:
            reason = membership.savings_left_behind()
            if reason:
                modeladmin.message_user(request, reason, messages.ERROR)
                return None
        for arrangement_id in {m.arrangement_id for m in queryset}:
            removed = [m.pk for m in queryset if m.arrangement_id == arrangement_id]
            left = permissions.memberships_left_after(arrangement_id, removed_ids=removed)
            if not permissions.keeps_own_authority(request.user, left):
                modeladmin.message_user(
                    request, permissions.LAST_MEMBERSHIP_MESSAGE, messages.ERROR
                )
                return None
    return delete_selected(modeladmin, request, queryset)


delete_memberships.allowed_permissions = ("delete",)
delete_memberships.short_description = delete_selected.short_description


@admin.register(models.Membership)
class MembershipAdmin(ArrangementChildAdmin):
    form = MembershipAdminForm
    list_display = ["arrangement", "authority", "role"]
    list_filter = ["role"]
    list_select_related = ["arrangement", "authority"]
    search_fields = ["arrangement__title", "authority__name", "authority__code"]
    autocomplete_fields = ["arrangement", "authority"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                delete_memberships,
                "delete_selected",
                delete_memberships.short_description,
            )
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        membership = self.get_object(request, unquote(object_id))
        if membership is not None and self.has_delete_permission(request, membership):
            left = permissions.memberships_left_after(
                membership.arrangement_id, removed_ids=[membership.pk]
            )
            reason = membership.savings_left_behind()
            if not permissions.keeps_own_authority(request.user, left):
                reason = permissions.LAST_MEMBERSHIP_MESSAGE
            if reason:
                self.message_user(request, reason, messages.ERROR)
                return HttpResponseRedirect(
                    reverse("admin:register_membership_change", args=[membership.pk])
                )
        return super().delete_view(request, object_id, extra_context)


@admin.register(models.Saving)
class SavingAdmin(ImportsAndExports, ArrangementChildAdmin):
    form = SavingAdminForm
    resource_classes = [SavingResource]
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

    def has_import_permission(self, request):
        return permissions.may_import(request.user) and self.has_add_permission(request)


@admin.register(models.Milestone)
class MilestoneAdmin(ArrangementChildAdmin):
    list_display = ["title", "arrangement", "date", "date_precision", "status"]
    list_filter = ["status", "date_precision"]
    list_select_related = ["arrangement"]
    search_fields = ["title", "arrangement__title"]
    autocomplete_fields = ["arrangement", "source"]
