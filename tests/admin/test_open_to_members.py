"""An arrangement that welcomes new members, with a contact: a role and a shared mailbox."""

import csv
import io

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from register.importers import ArrangementResource
from register.models import Arrangement

pytestmark = pytest.mark.django_db


def test_a_welcoming_arrangement_needs_both_parts_of_a_contact(register):
    legal = register.legal
    legal.open_to_members = True
    with pytest.raises(ValidationError) as caught:
        legal.full_clean()
    assert "needs a contact" in caught.value.message_dict["contact_role"][0]
    assert "needs a contact" in caught.value.message_dict["contact_email"][0]


def test_a_contact_is_refused_when_it_does_not_welcome_members(register):
    legal = register.legal
    legal.contact_role = "Head of Legal"
    with pytest.raises(ValidationError) as caught:
        legal.full_clean()
    assert "only for an arrangement that welcomes new members" in " ".join(
        caught.value.message_dict["contact_role"]
    )


def test_the_mailbox_must_be_an_email_address(register):
    legal = register.legal
    legal.open_to_members = True
    legal.contact_role = "Head of Legal"
    legal.contact_email = "call Jo on 01234"
    with pytest.raises(ValidationError) as caught:
        legal.full_clean()
    assert "contact_email" in caught.value.message_dict
    legal.contact_email = "legal.shared@example.gov.uk"
    legal.full_clean()


@pytest.mark.parametrize(
    "address", ["john.smith@gmail.com", "Jane.Doe@Hotmail.co.uk", "jo@yahoo.com"]
)
def test_an_address_at_a_personal_mail_service_is_refused(register, address):
    legal = register.legal
    legal.open_to_members = True
    legal.contact_role = "Head of Legal"
    legal.contact_email = address
    with pytest.raises(ValidationError) as caught:
        legal.full_clean()
    message = " ".join(caught.value.message_dict["contact_email"])
    assert "is a personal mail service" in message and "shared mailbox" in message
    legal.contact_email = "shared.legal@example.gov.uk"
    legal.full_clean()  # a team's mailbox at the council is taken


@pytest.mark.parametrize(
    "address", ["shared@gmail.com\u200b", "shared@gm\u200bail.com", "shared@hotmail.fr"]
)
def test_an_invisible_character_or_another_personal_service_does_not_slip_through(
    register, address
):
    legal = register.legal
    legal.open_to_members = True
    legal.contact_role = "Head of Legal"
    legal.contact_email = address
    with pytest.raises(ValidationError) as caught:
        legal.full_clean()
    assert caught.value.message_dict["contact_email"]


def test_the_database_refuses_a_contact_without_welcome_and_a_welcome_without_contact(register):
    for values in (
        {"contact_role": "Head of Legal", "contact_email": "x@example.gov.uk"},
        {"open_to_members": True},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Arrangement.objects.filter(pk=register.legal.pk).update(**values)


def test_history_records_the_welcome_and_contact(register):
    fostering = Arrangement.objects.get(pk=register.fostering.pk)
    fostering.contact_role = "Head of Children's Commissioning"
    fostering.save()
    latest, before = fostering.history.order_by("-history_id")[:2]
    changed = {change.field for change in latest.diff_against(before).changes}
    assert "contact_role" in changed
    assert before.open_to_members is True
    assert before.contact_role == "Head of Joint Commissioning"


def test_the_admin_export_and_import_carry_it_round(register):
    exported = ArrangementResource().export()
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(exported.csv))}
    fostering = rows[register.fostering.slug]
    assert fostering["open_to_members"] == "1"
    assert fostering["contact_email"] == "joint.commissioning@example.gov.uk"
    assert rows[register.legal.slug]["open_to_members"] == "0"
    # Changed in the file, it comes back in.
    data = tablib.Dataset().load(exported.csv, "csv")
    index = data.headers.index
    for number, row in enumerate(data):
        if row[index("slug")] == register.legal.slug:
            row = list(row)
            row[index("open_to_members")] = "1"
            row[index("contact_role")] = "Head of Legal Services"
            row[index("contact_email")] = "legal.shared@example.gov.uk"
            data[number] = row
    result = ArrangementResource().import_data(data, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    legal = Arrangement.objects.get(pk=register.legal.pk)
    assert legal.open_to_members
    assert (legal.contact_role, legal.contact_email) == (
        "Head of Legal Services",
        "legal.shared@example.gov.uk",
    )


def test_an_import_that_welcomes_without_a_contact_is_refused_in_words(register):
    exported = ArrangementResource().export()
    data = tablib.Dataset().load(exported.csv, "csv")
    index = data.headers.index
    for number, row in enumerate(data):
        if row[index("slug")] == register.legal.slug:
            row = list(row)
            row[index("open_to_members")] = "1"
            data[number] = row
    result = ArrangementResource().import_data(data, dry_run=False)
    assert result.has_validation_errors()
    messages = " ".join(
        " ".join(m) for invalid in result.invalid_rows for m in invalid.error_dict.values()
    )
    assert "needs a contact" in messages
    assert not Arrangement.objects.get(pk=register.legal.pk).open_to_members


def test_the_admin_form_has_the_fields_and_says_never_private_details(client, register, roles):
    from tests.admin.test_admin import staff

    client.force_login(staff("chief", "Administrator"))
    page = client.get(f"/admin/register/arrangement/{register.fostering.pk}/change/").content
    page = page.decode()
    assert 'name="open_to_members"' in page and 'name="contact_email"' in page
    assert "never a person" in page


def test_the_page_shows_the_contact_and_the_list_filters_and_exports_it(client, register):
    page = client.get(register.fostering.get_absolute_url()).content.decode()
    assert "Welcomes new members" in page
    assert "mailto:joint.commissioning@example.gov.uk" in page
    other = client.get(register.legal.get_absolute_url()).content.decode()
    assert "Not recorded as welcoming new members" in other

    listed = client.get("/arrangements/?open_to_members=yes")
    assert listed.context["table"].paginator.count == 1
    tags = [group["heading"] for group in listed.context["selected_filters"]]
    assert "Welcomes new members" in tags
    assert 'name="open_to_members"' in listed.content.decode()

    download = b"".join(client.get("/arrangements/?_export=csv").streaming_content).decode()
    rows = {row["Title"]: row for row in csv.DictReader(io.StringIO(download))}
    assert rows["Fostering framework"]["Welcomes new members"] == "Yes"
    assert rows["Fostering framework"]["New members' contact (role)"] == (
        "Head of Joint Commissioning"
    )
    assert rows["Shared legal team"]["Welcomes new members"] == "No"
