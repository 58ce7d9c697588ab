"""Data entry through the admin: inlines, validation, roles, history, stale edits."""

import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from register.figures import stored_figures_drift
from register.management.commands.setup_roles import ROLES
from register.models import Arrangement, Membership, Saving
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/register/arrangement/add/"


def change_url(arrangement):
    return f"/admin/register/arrangement/{arrangement.pk}/change/"


def form_data(arrangement=None, memberships=(), savings=(), milestones=(), **overrides):
    """The POST an admin's browser sends for an arrangement with its inlines."""
    data = {
        "title": "Joint audit service",
        "slug": "joint-audit-service",
        "summary": "",
        "description": "",
        "kind": "shared_service",
        "status": "proposed",
        "governance": "",
        "start_date": "",
        "start_precision": "day",
        "end_date": "",
        "end_precision": "day",
        "objectives": "Save money\n\nShare staff\n",
        "benefits": "",
        "barriers": "",
    }
    if arrangement is not None:
        # Everything the change form shows, as it stands.
        data.update(
            title=arrangement.title,
            slug=arrangement.slug,
            kind=arrangement.kind,
            status=arrangement.status,
            loaded_version=arrangement.version,
            summary=arrangement.summary,
            description=arrangement.description,
            governance=arrangement.governance,
            partnership=arrangement.partnership_id or "",
            parent=arrangement.parent_id or "",
            start_date=arrangement.start_date or "",
            start_precision=arrangement.start_precision,
            end_date=arrangement.end_date or "",
            end_precision=arrangement.end_precision,
            objectives="\n".join(arrangement.objectives),
            benefits="\n".join(arrangement.benefits),
            barriers="\n".join(arrangement.barriers),
            service_areas=[area.pk for area in arrangement.service_areas.all()],
        )
        if arrangement.exempt:
            data["exempt"] = "on"
    data.update(overrides)
    for prefix, rows in (
        ("memberships", memberships),
        ("savings", savings),
        ("milestones", milestones),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = len(rows)
        data[f"{prefix}-INITIAL_FORMS"] = sum(1 for row in rows if "id" in row)
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for number, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{number}-{key}"] = value
    return data


def membership(authority, role="partner", **extra):
    return {"authority": authority.pk, "role": role, **extra}


def saving(**values):
    return {"qualifier": "exactly", "period": "not_stated", "basis": "estimated", **values}


def staff(name, group=None, authorities=()):
    """A member of staff in one role (or none), editing for the given authorities."""
    return UserFactory(
        username=name, is_staff=True, roles=[group] if group else [], authorities=authorities
    )


@pytest.fixture
def administrator(roles):
    return staff("admin1", "Administrator")


def test_an_arrangement_with_partners_savings_and_milestones_in_one_go(
    client, register, administrator
):
    client.force_login(administrator)
    response = client.post(
        ADD,
        form_data(
            memberships=[membership(register.alpha, "lead"), membership(register.beta)],
            savings=[saving(amount="12000", authority=register.beta.pk)],
            milestones=[
                {
                    "title": "Go live",
                    "date": "2012-04-01",
                    "date_precision": "month",
                    "status": "planned",
                }
            ],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    arrangement = Arrangement.objects.get(slug="joint-audit-service")
    assert arrangement.objectives == ["Save money", "Share staff"]
    assert set(arrangement.memberships.values_list("authority__code", "role")) == {
        ("ALP", "lead"),
        ("BET", "partner"),
    }
    assert arrangement.savings.get().amount == 12000
    assert arrangement.milestones.get().date_display == "April 2012"
    assert arrangement.history.get().history_user == administrator


def test_savings_of_the_largest_amount_add_up_without_overflowing(client, register, administrator):
    """Each saving may be up to £999,999,999,999.99; the arrangement's stored totals hold
    the sum of several (they overflowed on PostgreSQL: a server error)."""
    client.force_login(administrator)
    largest = "999999999999.99"
    response = client.post(
        ADD,
        form_data(
            memberships=[membership(register.alpha, "lead"), membership(register.beta)],
            savings=[
                saving(amount=largest, authority=a.pk) for a in (register.alpha, register.beta)
            ],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    arrangement = Arrangement.objects.get(slug="joint-audit-service")
    assert arrangement.savings_lower == Decimal("1999999999999.98")
    assert arrangement.estimated_upper == Decimal("1999999999999.98")


def test_an_arrangement_saved_with_its_partners_is_worked_out_once(client, register, administrator):
    """Its stored figures and search document are written once for the whole save, however
    many partners and savings come with it, and are right."""
    client.force_login(administrator)
    partners = [register.alpha, register.beta, register.gamma, register.delta]
    writes = []
    for number, how_many in enumerate((1, 4)):
        members = [membership(partners[0], "lead")] + [membership(a) for a in partners[1:how_many]]
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                ADD,
                form_data(
                    memberships=members,
                    savings=[saving(amount="1000", authority=a.pk) for a in partners[:how_many]],
                    title=f"Joint audit {number}",
                    slug=f"joint-audit-{number}",
                ),
            )
        assert response.status_code == 302, response.content.decode()[:2000]
        writes.append(
            sum(
                1
                for q in queries.captured_queries
                if q["sql"].startswith('UPDATE "register_arrangement"')
            )
        )
        arrangement = Arrangement.objects.get(slug=f"joint-audit-{number}")
        assert (arrangement.partner_count, arrangement.savings_figures) == (how_many, how_many)
        assert partners[how_many - 1].name in arrangement.search_document
    assert writes[0] == writes[1] <= 2, writes
    assert stored_figures_drift() == []


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"start_date": "2012-04-01", "end_date": "2012-03-01"},
            "The end date cannot be before the start date.",
        ),
        (
            {"savings": [saving(percentage="120")]},
            "Ensure this value is less than or equal to 100.",
        ),
        ({"savings": [saving()]}, "Give an amount in pounds, a percentage, or both."),
        ({"memberships": "twice"}, "Please correct the duplicate data for authority"),
        (
            {"savings": [saving(amount="5", authority="GAM")]},
            "Gammashire is not a partner in this arrangement.",
        ),
    ],
    ids=[
        "end before start",
        "percentage over 100",
        "no amount or percentage",
        "two memberships for one authority",
        "saving for a non-partner",
    ],
)
def test_invalid_entries_get_clear_messages_and_change_nothing(
    client, register, administrator, change, message
):
    client.force_login(administrator)
    memberships = [membership(register.alpha, "lead"), membership(register.beta)]
    if change.pop("memberships", None) == "twice":
        memberships.append(membership(register.alpha))
    savings = change.pop("savings", [])
    for row in savings:
        if row.get("authority") == "GAM":
            row["authority"] = register.gamma.pk
    before = (Arrangement.objects.count(), Membership.objects.count(), Saving.objects.count())
    response = client.post(ADD, form_data(memberships=memberships, savings=savings, **change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (
        Arrangement.objects.count(),
        Membership.objects.count(),
        Saving.objects.count(),
    ) == before


def test_a_workstream_cannot_contain_its_own_programme(client, register, administrator):
    client.force_login(administrator)
    legal = register.legal  # the Costs draftsman is its workstream
    data = form_data(
        legal,
        memberships=[
            membership(m.authority, m.role, id=m.pk, arrangement=legal.pk)
            for m in legal.memberships.all()
        ],
        parent=register.workstream.pk,
    )
    response = client.post(change_url(legal), data)
    assert response.status_code == 200
    assert "That programme is a workstream of this one" in response.content.decode()
    legal.refresh_from_db()
    assert legal.parent is None


def test_the_list_costs_the_same_queries_for_any_page_size(client, register, administrator):
    from tests.factories import make_arrangement

    client.force_login(administrator)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/register/arrangement/").status_code == 200
        return len(captured)

    few = queries()
    for number in range(40):
        make_arrangement(f"More {number}", members=[register.alpha, register.beta])
    assert queries() == few
    page = client.get("/admin/register/arrangement/").content.decode()
    assert "£150,000" in page  # the legal team's savings, annotated


def test_a_stale_copy_is_refused_and_says_who_changed_what(client, register, roles):
    first = staff("first", "Administrator")
    second = staff("second", "Administrator")
    legal = register.legal
    rows = [
        membership(m.authority, m.role, id=m.pk, arrangement=legal.pk)
        for m in legal.memberships.all()
    ]
    stale = form_data(legal, memberships=rows, title="Second's title")
    client.force_login(first)
    response = client.post(change_url(legal), form_data(legal, memberships=rows, title="First's"))
    assert response.status_code == 302
    client.force_login(second)
    response = client.post(change_url(legal), stale)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this arrangement after you opened it" in page
    assert re.search(r"Since then: first changed title at \d\d:\d\d on ", page)
    assert "Second&#x27;s title" in page  # what they typed is still in the form
    legal.refresh_from_db()
    assert legal.title == "First's" and legal.version == 2


def test_status_action_changes_several_and_records_history(client, register, administrator):
    client.force_login(administrator)
    ids = [register.legal.pk, register.fostering.pk]
    response = client.post(
        "/admin/register/arrangement/",
        {
            "action": "mark_ended",
            "_selected_action": ids,
        },
    )
    assert response.status_code == 302
    assert set(Arrangement.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"ended"}
    record = register.legal.history.order_by("-history_date").first()
    assert record.history_user == administrator
    assert record.history_change_reason == "Status set to Ended after operating for several at once"


# --- Roles ---------------------------------------------------------------------------

MODELS = [
    "arrangement",
    "membership",
    "saving",
    "milestone",
    "authority",
    "tier",
    "region",
    "servicearea",
    "partnership",
    "source",
    "finding",
    "savingstarget",
]
ENTRY = {"arrangement", "membership", "saving", "milestone"}


@pytest.mark.parametrize("role", ["Viewer", "Editor", "Administrator"])
@pytest.mark.parametrize("model", MODELS)
def test_each_role_against_each_model(client, register, roles, role, model):
    client.force_login(staff(f"user-{role}", role, [register.alpha]))
    assert client.get(f"/admin/register/{model}/").status_code == 200  # everyone reads
    may_add = role == "Administrator" or (role == "Editor" and model in ENTRY)
    assert client.get(f"/admin/register/{model}/add/").status_code == (200 if may_add else 403)


def test_an_editor_changes_only_arrangements_of_their_authorities(client, register, roles):
    editor = staff("editor", "Editor", [register.alpha])
    client.force_login(editor)
    legal = register.legal  # Alphaton takes part
    rows = [
        membership(m.authority, m.role, id=m.pk, arrangement=legal.pk)
        for m in legal.memberships.all()
    ]
    assert (
        client.post(
            change_url(legal), form_data(legal, memberships=rows, title="Edited")
        ).status_code
        == 302
    )
    regulatory = register.regulatory  # Betaford and Deltaby only
    rows = [
        membership(m.authority, m.role, id=m.pk, arrangement=regulatory.pk)
        for m in regulatory.memberships.all()
    ]
    response = client.post(
        change_url(regulatory), form_data(regulatory, memberships=rows, title="Hijacked")
    )
    assert response.status_code == 403
    regulatory.refresh_from_db()
    assert regulatory.title == "Regulatory services"
    # Reading it is allowed; the page offers no save button.
    page = client.get(change_url(regulatory)).content.decode()
    assert 'name="_save"' not in page
    # A new arrangement must include one of the editor's own authorities.
    response = client.post(ADD, form_data(memberships=[membership(register.beta)]))
    assert "Include at least one of your own authorities" in response.content.decode()
    response = client.post(ADD, form_data(memberships=[membership(register.alpha)]))
    assert response.status_code == 302


def test_signing_in_is_locked_after_repeated_failures(client, register, roles):
    staff("target", "Administrator")
    for _ in range(5):
        client.post("/admin/login/", {"username": "target", "password": "wrong"})
    response = client.post(
        "/admin/login/", {"username": "target", "password": "a long enough password 1"}
    )
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_password_rules_and_session_expiry(settings):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("password123")
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_change_history_is_shown_to_signed_in_users_only(client, register, administrator):
    client.force_login(administrator)
    legal = register.legal
    rows = [
        membership(m.authority, m.role, id=m.pk, arrangement=legal.pk)
        for m in legal.memberships.all()
    ]
    response = client.post(change_url(legal), form_data(legal, memberships=rows, status="ended"))
    assert response.status_code == 302
    page = client.get(legal.get_absolute_url()).content.decode()
    history = page.split('id="history"')[1]
    assert "admin1" in history and "Changed: status<" in history
    client.logout()
    page = client.get(legal.get_absolute_url()).content.decode()
    assert 'id="history"' not in page and "Record last changed" in page


def test_roles_are_idempotent(roles):
    def granted():
        return {
            group.name: set(group.permissions.values_list("codename", flat=True))
            for group in Group.objects.all()
        }

    first = granted()
    assert first == {name: set(codenames) for name, codenames in ROLES.items()}
    call_command("setup_roles", stdout=io.StringIO())
    assert granted() == first
    assert Group.objects.count() == 3
