"""Forms for data entry: one-per-line lists, and refusing stale edits."""

from __future__ import annotations

from django import forms

from . import permissions
from .dates import financial_year_label, parse_financial_year
from .models import Arrangement, Membership


class LinesField(forms.CharField):
    """A list of statements edited as text, one per line; blank lines are dropped."""

    widget = forms.Textarea(attrs={"rows": 5})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "One per line.")
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class FinancialYearFormField(forms.CharField):
    """A financial year as officers write it: '2013/14', '2013-14' or '2013'; cleans to
    the year it starts and shows as '2013/14'. Anything else is an error that says so,
    never a silent change of what was typed."""

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return financial_year_label(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        year = parse_financial_year(value)
        if year is None:
            raise forms.ValidationError(
                "Enter a financial year like 2013/14, 2013-14 or 2013.",
                code="invalid_financial_year",
            )
        return year

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class StaleEditError(forms.ValidationError):
    pass


BUSY_MESSAGE = (
    "The register was busy saving someone else's change, so yours has not been saved. "
    "Nothing you typed is lost: it is still in this form. Press Save again."
)


def changes_since(arrangement: Arrangement, version: int) -> list[str]:
    """What other people changed after `version`: one line per later save."""
    records = list(
        arrangement.history.filter(version__gt=version)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    earlier = arrangement.history.filter(version=version).order_by("-history_date").first()
    lines = []
    previous = earlier
    for record in records:
        who = record.history_user.get_username() if record.history_user else "someone"
        fields = []
        if previous is not None:
            delta = record.diff_against(previous)
            fields = [Arrangement._meta.get_field(c.field).verbose_name for c in delta.changes]
        what = f"changed {', '.join(fields)}" if fields else "saved it"
        lines.append(f"{who} {what} at {record.history_date:%H:%M on %d %B %Y}")
        previous = record
    return lines


class ArrangementAdminForm(forms.ModelForm):
    objectives = LinesField()
    benefits = LinesField(label="Non-financial benefits")
    barriers = LinesField()
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Arrangement
        fields = [
            "title",
            "slug",
            "summary",
            "description",
            "kind",
            "status",
            "exempt",
            "service_areas",
            "partnership",
            "parent",
            "governance",
            "start_date",
            "start_precision",
            "end_date",
            "end_precision",
            "review_date",
            "break_date",
            "how_to_leave",
            "objectives",
            "benefits",
            "barriers",
            "sources",
            "open_to_members",
            "contact_role",
            "contact_email",
        ]

    # Set by the admin when the database was busy (SQLite allows one writer at a time)
    # and the save is shown again, with everything that was typed, to be tried again.
    busy = False
    # Set by the admin: the person saving.
    request_user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The version in the database, not the instance's: a form that reverts to a
            # historical copy starts from the current version too.
            self.fields["loaded_version"].initial = (
                Arrangement.objects.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )

    def clean(self):
        cleaned = super().clean()
        if self.busy:
            raise forms.ValidationError(BUSY_MESSAGE, code="busy")
        self._check_parent(cleaned.get("parent"))
        loaded = cleaned.get("loaded_version")
        if self.instance.pk and loaded is None:
            # Without the version it was opened at, a save could not tell whether it
            # overwrites someone else's (and a revert form would start from an old one).
            raise StaleEditError(
                "This form does not say which version of the arrangement it was opened at, "
                "so your changes have not been saved. Open the arrangement again in a new "
                "tab, then make your changes there.",
                code="stale",
            )
        if self.instance.pk and loaded is not None:
            # Lock the row until this save commits: a second save of the same
            # arrangement waits here, then sees the version this one wrote.
            current = (
                Arrangement.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if current is not None and current != loaded:
                changes = changes_since(self.instance, loaded)
                raise StaleEditError(
                    "Someone else saved this arrangement after you opened it, so your changes "
                    "have not been saved (nothing you typed is lost: it is still in this form). "
                    + ("Since then: " + "; ".join(changes) + ". " if changes else "")
                    + "Open the arrangement again in a new tab to see the current version, "
                    "then make your changes there.",
                    code="stale",
                )
        return cleaned

    def _check_parent(self, parent):
        """A workstream is listed on its programme's page, and a programme with
        workstreams cannot be deleted: choosing a parent changes that arrangement too, so
        a new parent must be one the user may change. A parent already set stays."""
        if parent is None:
            return
        current = (
            Arrangement.objects.filter(pk=self.instance.pk)
            .values_list("parent_id", flat=True)
            .first()
            if self.instance.pk
            else None
        )
        if parent.pk != current and not permissions.may_change_arrangement(
            self.request_user, parent
        ):
            self.add_error(
                "parent",
                f"You may not make this a workstream of “{parent}”: none of your authorities "
                "takes part in it. Choose a programme of one of your authorities.",
            )


class MembershipFormSet(forms.BaseInlineFormSet):
    """Checks across the partners: an editor's arrangement must include one of their
    authorities, so they can go on editing it."""

    request_user = None

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not permissions.keeps_own_authority(self.request_user, self.authorities()):
            raise forms.ValidationError(permissions.LAST_MEMBERSHIP_MESSAGE)

    def authorities(self) -> set[int]:
        """The authorities that will take part (lead, host or partner)."""
        return {
            form.cleaned_data["authority"].pk
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("authority")
            and form.cleaned_data.get("role") in Membership.JOINED
            and not form.cleaned_data.get("DELETE")
        }


class SavingFormSet(forms.BaseInlineFormSet):
    """A saving recorded for one authority must be for a partner in the arrangement."""

    membership_formset: MembershipFormSet | None = None

    def clean(self):
        super().clean()
        if any(self.errors) or self.membership_formset is None:
            return
        if not self.membership_formset.is_valid():
            return
        partners = self.membership_formset.authorities()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            authority = data.get("authority")
            if authority and not data.get("DELETE") and authority.pk not in partners:
                form.add_error(
                    "authority",
                    f"{authority} is not a partner in this arrangement. Add it under "
                    "Memberships, or leave the authority empty for a saving of the whole "
                    "arrangement.",
                )


class ArrangementChildForm(forms.ModelForm):
    """A partner, saving or milestone entered on its own page: only for an arrangement
    the user may change (the same rule as the arrangement's own page)."""

    request_user = None

    def clean(self):
        cleaned = super().clean()
        arrangement = cleaned.get("arrangement")
        if arrangement is not None and not permissions.may_change_arrangement(
            self.request_user, arrangement
        ):
            self.add_error(
                "arrangement",
                f"You may not change “{arrangement}”: none of your authorities takes part "
                "in it. Choose an arrangement of one of your authorities.",
            )
        return cleaned


class MembershipAdminForm(ArrangementChildForm):
    """An editor may not move or re-assign their own authorities' last membership of an
    arrangement (they could no longer change it)."""

    def clean(self):
        cleaned = super().clean()
        arrangement, authority = cleaned.get("arrangement"), cleaned.get("authority")
        taking_part = cleaned.get("role") in Membership.JOINED
        # The membership as it stands now, not the form's instance: a history "revert"
        # form starts from an old copy.
        original = Membership.objects.filter(pk=self.instance.pk).first()
        if original is not None and arrangement is not None and authority is not None:
            same_arrangement = arrangement.pk == original.arrangement_id
            stops_taking_part = original.role in Membership.JOINED and not taking_part
            if not same_arrangement or authority.pk != original.authority_id or stops_taking_part:
                left = permissions.memberships_left_after(
                    original.arrangement_id,
                    removed_ids=[original.pk],
                    added=[authority.pk] if same_arrangement and taking_part else [],
                )
                if not permissions.keeps_own_authority(self.request_user, left):
                    raise forms.ValidationError(permissions.LAST_MEMBERSHIP_MESSAGE)
                reason = original.savings_left_behind()
                if reason:
                    raise forms.ValidationError(reason)
        return cleaned


class SavingAdminForm(ArrangementChildForm):
    """A saving on its own page: one recorded for an authority must be for a partner in
    the arrangement, as on the arrangement's own page (SavingFormSet)."""

    def clean(self):
        cleaned = super().clean()
        arrangement, authority = cleaned.get("arrangement"), cleaned.get("authority")
        if (
            arrangement is not None
            and authority is not None
            and not Membership.objects.filter(arrangement=arrangement, authority=authority).exists()
        ):
            self.add_error(
                "authority",
                f"{authority} is not a partner in this arrangement. Add it as a partner "
                "first, or leave the authority empty for a saving of the whole arrangement.",
            )
        return cleaned


class OneValueSelect(forms.Select):
    """A select that hands its field every value the address gave when it gave more than
    one, so the field can refuse them rather than quietly take the last."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else []
        return values if len(values) > 1 else super().value_from_datadict(data, files, name)


class SlugChoiceField(forms.ChoiceField):
    """A choice of one slug: slugs are lower case, so "LEGAL" or " legal " names the legal
    service as "legal" does. Given more than once, even the same slug twice, it is refused
    ("repeated" in ``error_messages``, with the number given): neither is picked."""

    widget = OneValueSelect
    LONGEST_ECHOED = 100  # a value longer than this is cut short in the error saying so

    def to_python(self, value):
        if isinstance(value, list):
            raise forms.ValidationError(
                self.error_messages["repeated"], code="repeated", params={"given": len(value)}
            )
        return super().to_python(value).strip().lower()

    def validate(self, value):
        try:
            super().validate(value)
        except forms.ValidationError as error:
            if error.code != "invalid_choice" or len(value) <= self.LONGEST_ECHOED:
                raise
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value[: self.LONGEST_ECHOED] + "\u2026"},
            ) from None


class PartnerFinderForm(forms.Form):
    """The partner finder's one question: which service. Choices are every category and
    service of the taxonomy (``selectors.service_area_tree``), by slug."""

    service_area = SlugChoiceField(
        label="Service to share",
        error_messages={
            "required": "Choose a service area to find partners for.",
            "invalid_choice": "There is no service area \u201c%(value)s\u201d: choose one "
            "from the list.",
            "repeated": "Choose one service area: the address gave %(given)s.",
        },
    )

    def __init__(self, *args, tree=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.tree = tree
        self.fields["service_area"].choices = [
            (
                category["area"].name,
                [(category["area"].slug, f"All of {category['area'].name.lower()}")]
                + [(child.slug, child.name) for child in category["children"]],
            )
            for category in tree
        ]

    def area(self):
        """The chosen ServiceArea, from the tree (no query), or None."""
        if not self.is_bound or not self.is_valid():
            return None
        slug = self.cleaned_data["service_area"]
        for category in self.tree:
            for area in (category["area"], *category["children"]):
                if area.slug == slug:
                    return area
        return None
