"""Every filter, with the arrangements it should select from a small register."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.test import RequestFactory

from register.filters import ArrangementFilterSet, AuthorityFilterSet
from register.models import Arrangement, Authority, Tier

pytestmark = pytest.mark.django_db


def filtered(query, user=None, filterset_class=ArrangementFilterSet, queryset=None):
    request = RequestFactory().get("/", QueryDict(query))
    request.user = user or AnonymousUser()
    if queryset is None:
        queryset = Arrangement.objects.visible_to(request.user).with_totals()
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def titles(query, **kwargs):
    return sorted(a.title for a in filtered(query, **kwargs))


LEGAL, DRAFTSMAN, FOSTERING, REGULATORY = (
    "Shared legal team",
    "Costs draftsman",
    "Fostering framework",
    "Regulatory services",
)

CASES = {
    "q": [
        ("q=barristers", [LEGAL]),
        ("q=Gammashire", [DRAFTSMAN, FOSTERING]),
        ("q=legal team", [LEGAL]),
        ("q=", [DRAFTSMAN, FOSTERING, LEGAL, REGULATORY]),
    ],
    "service_area": [
        ("service_area=legal", [DRAFTSMAN, LEGAL]),
        ("service_area=corporate", [DRAFTSMAN, LEGAL]),  # a category includes its services
        ("service_area=regulatory", [REGULATORY]),
        ("service_area=legal&service_area=fostering", [DRAFTSMAN, FOSTERING, LEGAL]),
    ],
    "kind": [
        ("kind=hosted_resource", [DRAFTSMAN]),
        ("kind=shared_service&kind=joint_procurement", [FOSTERING, LEGAL, REGULATORY]),
    ],
    "status": [
        ("status=not_pursued", [REGULATORY]),
        ("status=operational&status=procurement", [FOSTERING, LEGAL]),
    ],
    "authority": [
        ("authority=ALP", [DRAFTSMAN, FOSTERING, LEGAL]),
        ("authority=DEL", [FOSTERING, REGULATORY]),
    ],
    "role": [
        ("authority=ALP&role=lead", [LEGAL]),
        ("authority=BET&role=lead", [DRAFTSMAN]),
        ("authority=ALP&role=partner", [DRAFTSMAN, FOSTERING]),
        ("authority=ALP&role=host", []),
    ],
    "tier": [
        ("tier=county", [DRAFTSMAN, FOSTERING]),
        ("tier=welsh-unitary", [FOSTERING, REGULATORY]),
    ],
    "tier_level": [("tier_level=upper", [DRAFTSMAN, FOSTERING]), ("tier_level=lower", [])],
    "region": [
        ("region=wales", [FOSTERING, REGULATORY]),
        ("region=wales&region=yorkshire-and-the-humber", [DRAFTSMAN, FOSTERING, LEGAL, REGULATORY]),
    ],
    "partnership": [("partnership=northern", [DRAFTSMAN, LEGAL])],
    "parent": [("parent={legal}", [DRAFTSMAN])],
    "has_savings": [
        ("has_savings=yes", [DRAFTSMAN, FOSTERING, LEGAL]),
        ("has_savings=no", [REGULATORY]),
    ],
    "open_to_members": [
        ("open_to_members=yes", [FOSTERING]),
        ("open_to_members=no", [DRAFTSMAN, LEGAL, REGULATORY]),
    ],
    # Savings recorded: estimated, forecast and achieved amounts; targets left out.
    "savings_min": [
        ("savings_min=100000", [FOSTERING, LEGAL]),
        ("savings_min=150000.01", [FOSTERING]),
        # As large as an arrangement's stored total can be (more than one saving can).
        ("savings_min=1500000000000", []),
    ],
    "savings_max": [("savings_max=150000", [DRAFTSMAN, LEGAL, REGULATORY])],
    "financial_year": [
        ("financial_year=2012/13", [LEGAL]),
        ("financial_year=2012", [LEGAL]),
        ("financial_year=2013-14", []),
    ],
    "saving_basis": [
        ("saving_basis=forecast", [FOSTERING]),
        ("saving_basis=target", [LEGAL]),
        ("saving_basis=achieved&saving_basis=forecast", [DRAFTSMAN, FOSTERING, LEGAL]),
    ],
    "start_year_min": [("start_year_min=2012", [FOSTERING])],
    "start_year_max": [("start_year_max=2011", [LEGAL])],
}


def test_every_filter_has_cases():
    assert set(CASES) == set(ArrangementFilterSet.base_filters)


@pytest.mark.parametrize(
    "query, expected",
    [case for cases in CASES.values() for case in cases],
    ids=[query for cases in CASES.values() for query, _ in cases],
)
def test_arrangement_filter(register, query, expected):
    assert titles(query.format(legal=register.legal.slug)) == sorted(expected)


def test_filters_combine_with_and(register):
    assert titles("authority=ALP&status=operational&service_area=corporate") == [LEGAL]


def test_a_role_finds_where_an_authority_is_named_without_taking_part(register):
    from tests.factories import MembershipFactory

    MembershipFactory(arrangement=register.regulatory, authority=register.alpha, role="prospective")
    assert titles("authority=ALP&role=prospective") == [REGULATORY]
    assert titles("authority=ALP&role=joining") == []
    # Without a role, only arrangements it has joined.
    assert REGULATORY not in titles("authority=ALP")


def test_the_public_cannot_name_an_exempt_programme_as_a_parent(register):
    register.legal.exempt = True
    register.legal.save()
    request = RequestFactory().get("/", {"parent": register.legal.slug})
    request.user = AnonymousUser()
    filterset = ArrangementFilterSet(
        request.GET, queryset=Arrangement.objects.visible_to(request.user), request=request
    )
    assert not filterset.is_valid()


@pytest.mark.parametrize(
    "url, field",
    [
        ("/arrangements/?partnership=northern&partnership=southern", "partnership"),
        ("/arrangements/?savings_min=1&savings_min=2", "savings_min"),
        ("/authorities/?name=alpha&name=beta", "name"),
        ("/summary/?partnership=northern&partnership=southern", "partnership"),
    ],
)
def test_a_single_value_filter_given_twice_is_refused_in_words(client, register, url, field):
    """It took the last value in silence, while the page's title named the first."""
    response = client.get(url)
    errors = response.context["filter"].errors
    assert list(errors) == [field]
    assert errors[field][0].startswith("Give one value only: it was given 2 times")
    text = response.content.decode()
    assert "Give one value only" in text
    assert "Northern" not in text.split("<main", 1)[1].split("</h1>", 1)[0]


def test_a_programme_whose_workstreams_are_all_exempt_is_refused_as_one_with_none(
    client, register, viewer
):
    from tests.factories import make_arrangement

    hiding = make_arrangement("Hiding programme", members=[register.alpha])
    make_arrangement("Hidden workstream", members=[register.alpha], parent=hiding, exempt=True)
    childless = make_arrangement("Childless programme", members=[register.alpha])

    def answer(programme):
        response = client.get(f"/arrangements/?parent={programme.slug}")
        errors = response.context["filter"].errors
        return response.status_code, {k: [str(m) for m in v] for k, v in errors.items()}

    assert answer(hiding) == answer(childless)
    assert "parent" in answer(hiding)[1]
    client.force_login(viewer)
    response = client.get(f"/arrangements/?parent={hiding.slug}")
    assert [a.title for a in response.context["filter"].qs] == ["Hidden workstream"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=banana", "status"),
        ("kind=", None),
        ("authority=ZZZ", "authority"),
        ("service_area=nowhere", "service_area"),
        ("savings_min=abc", "savings_min"),
        ("savings_min=-5", "savings_min"),
        ("savings_min=" + "9" * 19, "savings_min"),
        ("financial_year=2012/14", "financial_year"),
        ("financial_year=banana", "financial_year"),
        ("start_year_min=12.5", "start_year_min"),
        ("has_savings=maybe", "has_savings"),
        ("open_to_members=perhaps", "open_to_members"),
        ("role=lead", "role"),  # a role without an authority narrows nothing
        ("q=" + "x" * 201, "q"),
    ],
)
def test_invalid_values_are_reported_not_raised(register, query, field):
    request = RequestFactory().get("/", QueryDict(query))
    request.user = AnonymousUser()
    filterset = ArrangementFilterSet(
        request.GET,
        queryset=Arrangement.objects.visible_to(request.user).with_totals(),
        request=request,
    )
    if field is None:
        assert filterset.is_valid()
    else:
        assert not filterset.is_valid()
        assert field in filterset.errors


AUTHORITY_CASES = {
    "name": [("name=alpha", ["ALP"]), ("name=bet", ["BET"]), ("name=del", ["DEL"])],
    "tier": [("tier=county", ["GAM"]), ("tier=county&tier=welsh-unitary", ["DEL", "GAM"])],
    "tier_level": [("tier_level=single", ["ALP", "BET", "DEL"]), ("tier_level=upper", ["GAM"])],
    "region": [("region=wales", ["DEL"])],
    "partnership": [("partnership=northern", ["ALP", "BET"])],
    "participating": [
        ("participating=yes", ["ALP", "BET", "DEL", "GAM"]),
        ("participating=no", ["ZED"]),
    ],
}


def test_every_authority_filter_has_cases():
    assert set(AUTHORITY_CASES) == set(AuthorityFilterSet.base_filters)


@pytest.mark.parametrize(
    "query, expected",
    [case for cases in AUTHORITY_CASES.values() for case in cases],
    ids=[query for cases in AUTHORITY_CASES.values() for query, _ in cases],
)
def test_authority_filter(register, query, expected):
    Authority.objects.create(code="ZED", name="Zedton", tier=Tier.objects.get(code="NMD"))
    codes = sorted(
        a.code
        for a in filtered(
            query, filterset_class=AuthorityFilterSet, queryset=Authority.objects.all()
        )
    )
    assert codes == expected
