"""Forms for data entry: one-per-line lists, and refusing stale edits."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import AnonymousUser

from .models import Arrangement


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


class StaleEditError(forms.ValidationError):
    pass


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
            "objectives",
            "benefits",
            "barriers",
            "sources",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_version")
        if self.instance.pk and loaded is not None:
            current = (
                Arrangement.objects.filter(pk=self.instance.pk)
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


def editor_authority_ids(user) -> set[int] | None:
    """The authorities an editor answers for, or None for someone who may change anything."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return set()
    if user.is_superuser or user.groups.filter(name="Administrator").exists():
        return None
    return set(user.authorities.values_list("pk", flat=True))


class MembershipFormSet(forms.BaseInlineFormSet):
    """Checks across the partners: an editor's arrangement must include one of their
    authorities, so they can go on editing it."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        allowed = editor_authority_ids(getattr(self, "request_user", None))
        if allowed is None:
            return
        kept = [
            form.cleaned_data["authority"].pk
            for form in self.forms
            if form.cleaned_data.get("authority") and not form.cleaned_data.get("DELETE")
        ]
        if not allowed.intersection(kept):
            raise forms.ValidationError(
                "Include at least one of your own authorities as a partner: you may only "
                "record arrangements in which an authority you edit for takes part."
            )

    def authorities(self) -> set[int]:
        return {
            form.cleaned_data["authority"].pk
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("authority")
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
