"""Data entry keeps what officers type: financial years as they write them, and text
that is too long is refused with a message, never cut short."""

import pytest

from register.models import Arrangement, Saving, SavingsTarget
from tests.admin.test_admin import change_url, form_data, membership, saving, staff
from tests.factories import body

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(roles):
    return staff("admin1", "Administrator")


def rows(arrangement):
    return [
        membership(m.authority, m.role, id=m.pk, arrangement=arrangement.pk)
        for m in arrangement.memberships.order_by("pk")
    ]


@pytest.mark.parametrize("typed", ["2013/14", "2013-14", "2013"])
def test_a_financial_year_as_officers_write_it(client, register, administrator, typed):
    client.force_login(administrator)
    legal = register.legal
    response = client.post(
        change_url(legal),
        form_data(
            legal,
            memberships=rows(legal),
            savings=[saving(amount="500", period="financial_year", financial_year=typed)],
        ),
    )
    assert response.status_code == 302, body(response)[:2000]
    assert Saving.objects.filter(arrangement=legal, amount=500).get().financial_year == 2013
    page = body(client.get(change_url(legal)))
    assert 'value="2013/14"' in page  # shown the way it is written


@pytest.mark.parametrize("typed", ["13/14", "2013/15", "next year"])
def test_a_financial_year_it_cannot_read_is_refused_in_words(
    client, register, administrator, typed
):
    client.force_login(administrator)
    legal = register.legal
    before = Saving.objects.count()
    response = client.post(
        change_url(legal),
        form_data(
            legal,
            memberships=rows(legal),
            savings=[saving(amount="500", period="financial_year", financial_year=typed)],
        ),
    )
    page = body(response)
    assert response.status_code == 200
    assert "Enter a financial year like 2013/14, 2013-14 or 2013." in page
    assert f'value="{typed}"' in page  # what was typed is still there
    assert "less than or equal to 2100" not in page
    assert Saving.objects.count() == before


def test_a_target_year_too(client, register, administrator):
    client.force_login(administrator)
    response = client.post(
        "/admin/register/savingstarget/add/",
        {"authority": register.alpha.pk, "financial_year": "2013-14", "amount": "1000"},
    )
    assert response.status_code == 302, body(response)[:2000]
    assert SavingsTarget.objects.get(authority=register.alpha).financial_year == 2013


def test_text_that_is_too_long_is_refused_not_cut(client, register, administrator):
    client.force_login(administrator)
    legal = register.legal
    long_title = ("Shared legal services " * 22).strip()  # 461 characters
    response = client.post(
        change_url(legal), form_data(legal, memberships=rows(legal), title=long_title)
    )
    page = body(response)
    assert response.status_code == 200
    assert f"Ensure this value has at most 200 characters (it has {len(long_title)})" in page
    assert long_title.strip() in page  # still in the form, to shorten
    legal.refresh_from_db()
    assert legal.title == "Shared legal team"
    # No maxlength for the browser to cut at.
    form = body(client.get(change_url(legal)))
    title_input = form.split('name="title"')[1].split(">")[0]
    assert "maxlength" not in title_input
    assert Arrangement.objects.filter(title=long_title).count() == 0
