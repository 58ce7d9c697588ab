"""Every admin URL, for every role, by GET and by POST, against its expected answer.

The URLs come from the admin site itself (``admin.site.get_urls()``), so a new
ModelAdmin, a new view a third-party app adds, or a new action is tried as soon as it
exists: one the matrix has no expected answer for fails the test until someone says
what each role may do there.

Expected answers follow from the roles in docs/security.md, written out here
independently of the code under test:

- anonymous users are sent to sign in, everywhere but the sign-in page;
- Viewers read the register's pages and change nothing;
- Editors add arrangements and their partners, savings and milestones, and change
  only records of arrangements one of their authorities takes part in;
- Administrators change everything in the register and import, and follow a
  background import's progress;
- staff with no role see nothing of the register;
- nobody but a superuser touches accounts, groups, the sign-in lock-out records or the
  background jobs' task records.

The sample records all belong to an arrangement of Editor A's authority, so Editor A
is the owner and Editor B a stranger. A refused request must also leave every table
exactly as it was; an allowed write must actually save.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, reverse
from django_tasks_db.models import DBTaskResult
from simple_history.admin import SimpleHistoryAdmin

from register.jobs import import_file
from register.models import Finding, ImportJob, Milestone, SavingsTarget, Source

pytestmark = pytest.mark.django_db

ENTRY = {"arrangement", "membership", "saving", "milestone"}
REFERENCE = {
    "authority",
    "tier",
    "region",
    "servicearea",
    "partnership",
    "source",
    "finding",
    "savingstarget",
}
IMPORTABLE = {"arrangement", "saving"}
ROLES = ["anonymous", "no role", "Viewer", "Editor A", "Editor B", "Administrator"]
PASSWORD = "a long enough password 1"

# Answers.
SAVED = "saved"  # 302 and something written
SHOWN = "shown"  # 200, nothing written
REFUSED = "refused"  # 403, nothing written
SIGN_IN = "sign in"  # 302 to the sign-in page, nothing written
REDIRECT = "redirect"  # 301/302 elsewhere, nothing written
NOT_FOUND = "not found"  # 404, nothing written
NOT_ALLOWED = "method not allowed"  # 405, nothing written
UNCHANGED = "unchanged"  # whatever the status (never 5xx), nothing written


# --- The roles' rights, written out --------------------------------------------------


def reads(role, model):
    if model in ENTRY | REFERENCE:
        return role in {"Viewer", "Editor A", "Editor B", "Administrator"}
    return False  # accounts, groups, lock-out records: superusers only


def adds(role, model):
    if role == "Administrator":
        return model in ENTRY | REFERENCE
    return role in {"Editor A", "Editor B"} and model in ENTRY


def changes(role, model):
    """Change (and delete) the sample record, which belongs to Editor A's arrangement."""
    if role == "Administrator":
        return model in ENTRY | REFERENCE
    return role == "Editor A" and model in ENTRY


def imports(role, model):
    return role == "Administrator" and model in IMPORTABLE


def expected(kind, model, role, method):
    """The answer for one kind of admin page, one role and one method."""
    if role == "anonymous":
        if kind == "logout":
            return REDIRECT  # the admin sends anyone not signed in to its index
        return SHOWN if kind == "login" else SIGN_IN
    get = method == "GET"
    staff_pages = {
        "index": SHOWN,
        "password_change": SHOWN,  # one's own password; an empty POST changes nothing
        "password_change_done": SHOWN if get else NOT_ALLOWED,
        "jsi18n": SHOWN if get else NOT_ALLOWED,
        "login": REDIRECT if get else SHOWN,  # already signed in
        "logout": NOT_ALLOWED if get else SHOWN,
        "view_on_site": REDIRECT,
        "catch_all": NOT_FOUND,
    }
    if kind in staff_pages:
        return staff_pages[kind]
    if kind == "app_list":
        return SHOWN if reads(role, "arrangement") else NOT_FOUND
    if kind == "autocomplete":
        if not get:
            return NOT_ALLOWED
        return SHOWN if reads(role, "saving") else REFUSED
    if kind == "object_redirect":
        return REDIRECT
    if kind == "user_password":
        return REFUSED
    if kind == "changelist":
        return SHOWN if reads(role, model) else REFUSED
    if kind == "add":
        if get:
            return SHOWN if adds(role, model) else REFUSED
        if not adds(role, model):
            return REFUSED
        # Editor B may add records, but not to Editor A's arrangement (nor an arrangement
        # without one of their own authorities): the form says so.
        return SAVED if changes(role, model) else SHOWN
    if kind in {"change", "history_form"}:
        if get:
            return SHOWN if reads(role, model) or changes(role, model) else REFUSED
        return SAVED if changes(role, model) else REFUSED
    if kind == "history":
        return SHOWN if reads(role, model) else REFUSED
    if kind == "delete":
        if changes(role, model):
            return SHOWN if get else SAVED
        return REFUSED
    if kind == "process_import" and get:
        return NOT_ALLOWED
    if kind == "import_job":
        if not imports(role, model):
            return REFUSED
        return SHOWN if get else NOT_ALLOWED  # a page to read, never a form
    if kind in {"import", "process_import", "import_template"}:
        if not imports(role, model):
            return REFUSED
        return SHOWN if get or kind == "import" else UNCHANGED
    if kind == "export":
        return SHOWN if reads(role, model) else REFUSED
    if kind.startswith("action:"):
        action = kind.split(":", 1)[1]
        if get:
            return SHOWN if reads(role, model) else REFUSED
        if not reads(role, model):
            return REFUSED
        return SAVED if changes(role, model) and action != "export_admin_action" else UNCHANGED
    raise KeyError(kind)


# --- The admin's own list of URLs -----------------------------------------------------

SITE_VIEWS = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
}


@dataclass
class Page:
    kind: str
    model: str | None
    name: str | None
    pattern: str


def admin_pages() -> list[Page]:
    """Every URL pattern the admin site exposes, classified by what it does. Fails on
    one the matrix does not know."""
    pages, unknown = [], []

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
                continue
            assert isinstance(entry, URLPattern)
            pattern, name = prefix + str(entry.pattern), entry.name
            page = classify(name, pattern)
            (pages if page else unknown).append(page or pattern)

    walk(admin.site.get_urls())
    assert not unknown, f"Admin URLs with no expected answer in the matrix: {unknown}"
    return pages


def classify(name, pattern) -> Page | None:
    if name in SITE_VIEWS:
        return Page(name, None, name, pattern)
    if name is None:
        if pattern.endswith("<path:object_id>/"):
            model = pattern.split("/")[1]
            return Page("object_redirect", model, None, pattern)
        if "(?P<url>.*)$" in pattern:
            return Page("catch_all", None, None, pattern)
        return None
    if name == "auth_user_password_change":
        return Page("user_password", "user", name, pattern)
    for model_class in admin.site._registry:
        opts = model_class._meta
        prefix = f"{opts.app_label}_{opts.model_name}_"
        if name.startswith(prefix):
            kind = name[len(prefix) :]
            if kind == "simple_history":
                kind = "history_form"
            if kind in {
                "changelist",
                "add",
                "change",
                "delete",
                "history",
                "history_form",
                "import",
                "process_import",
                "export",
                "import_template",
                "import_job",
            }:
                return Page(kind, opts.model_name, name, pattern)
    return None


# --- The world the requests are made in ------------------------------------------------


@pytest.fixture
def world(register):
    call_command("setup_roles", stdout=io.StringIO())
    users = {}
    for role, group, authority in [
        ("no role", None, None),
        ("Viewer", "Viewer", None),
        ("Editor A", "Editor", register.alpha),
        ("Editor B", "Editor", register.delta),
        ("Administrator", "Administrator", None),
    ]:
        user = User.objects.create_user(role.replace(" ", "-").lower(), password=PASSWORD)
        user.is_staff = True
        user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
        if authority:
            authority.editors.add(user)
        users[role] = user
    legal = register.legal  # Alphaton (Editor A's) leads it; Deltaby (Editor B's) is absent
    source = Source.objects.create(slug="a-report", title="A report")
    samples = {
        "arrangement": legal,
        # Betaford's membership, so Editor A removing it still leaves Alphaton in.
        "membership": legal.memberships.get(authority=register.beta),
        "saving": legal.savings.order_by("pk").first(),
        "milestone": Milestone.objects.create(
            arrangement=legal, title="Go live", date=datetime.date(2012, 4, 1)
        ),
        "authority": register.alpha,
        "tier": register.alpha.tier,
        "region": register.alpha.region,
        "servicearea": legal.service_areas.first(),
        "partnership": register.partnership,
        "source": source,
        "finding": Finding.objects.create(source=source, statement="Most councils share"),
        "savingstarget": SavingsTarget.objects.create(
            authority=register.alpha, financial_year=2012, amount=1000000
        ),
        "user": users["Viewer"],
        "group": Group.objects.get(name="Viewer"),
        "accessattempt": AccessAttempt.objects.create(
            username="x", ip_address="10.0.0.1", failures_since_start=1
        ),
        "accesslog": AccessLog.objects.create(username="x", ip_address="10.0.0.1"),
        "accessfailurelog": AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1"),
        # A task queued for the worker (which never runs here), and a background import
        # of each kind.
        "dbtaskresult": DBTaskResult.objects.get(id=import_file.enqueue("no-such-job").id),
        **{
            f"importjob:{model}": ImportJob.objects.create(
                model_name=model, file_format="csv", total_rows=1, started_by=users["Viewer"]
            )
            for model in IMPORTABLE
        },
    }
    samples["milestone"].save()  # a second history record, to revert to the first
    superuser = User.objects.create_superuser("root", password=PASSWORD)
    return {"users": users, "samples": samples, "register": register, "superuser": superuser}


def url_for(page: Page, world) -> str:
    samples = world["samples"]
    if page.kind == "catch_all":
        return "/admin/no-such-page/"
    if page.kind == "object_redirect":
        return f"/admin/{page.pattern.split('/')[0]}/{page.model}/{samples[page.model].pk}/"
    if page.kind == "app_list":
        return reverse("admin:app_list", kwargs={"app_label": "register"})
    if page.kind == "view_on_site":
        arrangement = samples["arrangement"]
        content_type = ContentType.objects.get_for_model(arrangement)
        return reverse("admin:view_on_site", args=[content_type.pk, arrangement.pk])
    if page.kind == "autocomplete":
        return (
            reverse("admin:autocomplete")
            + "?app_label=register&model_name=saving&field_name=arrangement&term="
        )
    if page.kind == "user_password":
        return reverse("admin:auth_user_password_change", args=[samples["user"].pk])
    if page.kind == "import_job":
        return reverse(f"admin:{page.name}", args=[samples[f"importjob:{page.model}"].pk])
    if page.kind in {"change", "delete", "history"}:
        return reverse(f"admin:{page.name}", args=[samples[page.model].pk])
    if page.kind == "history_form":
        sample = samples[page.model]
        first = sample.history.order_by("history_date", "history_id").first()
        return reverse(f"admin:{page.name}", args=[sample.pk, first.history_id])
    return reverse(f"admin:{page.name}")


# --- What a browser would send ---------------------------------------------------------


class FormReader(HTMLParser):
    """The fields of each POST form of a page, as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, list[str]]] = []
        self.data = None  # the form being read
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.data = {}
            self.forms.append(self.data)
            return
        if self.data is None:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.data.setdefault(name, []).append(attrs.get("value") or "on")
            elif kind not in {"submit", "button", "file", "image", "reset"}:
                self.data.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select" and name:
            self.select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select].append(attrs.get("value") or "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self.textarea and self.data is not None:
            self.data[self.textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            if self.textarea:
                value = self.data[self.textarea][0]
                # Browsers drop the one newline that follows <textarea>.
                self.data[self.textarea][0] = value[1:] if value.startswith("\n") else value
            self.textarea = None
        elif tag == "form":
            self.data = None


def form_fields(html: str) -> dict[str, list[str]]:
    """The page's main form: the POST form with the most fields (not the sign-out button)."""
    reader = FormReader()
    reader.feed(html)
    return max(reader.forms, key=len, default={})


# A text field of each model's form that a change can append to.
TEXT_FIELDS = ("description", "note", "statement", "summary", "name", "first_name", "username")

UNIQUE_FOR_ADD = {
    "tier": {"code": "ZZZ", "slug": "zzz-tier", "name": "Zed tier"},
    "region": {"name": "Zed region", "slug": "zed-region"},
    "authority": {"code": "ZZZ", "gss_code": "E99999999", "name": "Zedbury"},
    "partnership": {"name": "Zed partnership", "slug": "zed-partnership"},
    "servicearea": {"name": "Zed service", "slug": "zed-service"},
    "source": {"slug": "zed-source"},
    "savingstarget": {"financial_year": "2030"},
    "arrangement": {"slug": "zed-arrangement", "title": "Zed arrangement"},
}


def payload(client, page: Page, url: str, world) -> dict:
    """A valid submission of the page, as a superuser's browser would make it."""
    admin_client = client.__class__()
    admin_client.force_login(world["superuser"])
    samples = world["samples"]
    if page.kind.startswith("action:"):
        action = page.kind.split(":", 1)[1]
        return {"action": action, "_selected_action": [samples[page.model].pk], "post": "yes"}
    if page.kind == "add" and page.model in samples:
        # The sample's own change form, with its unique fields made new.
        change = reverse(f"admin:{page.name[: -len('add')]}change", args=[samples[page.model].pk])
        data = form_fields(admin_client.get(change).content.decode())
        for key, value in UNIQUE_FOR_ADD.get(page.model, {}).items():
            data[key] = [value]
        if page.model == "membership":
            data["authority"] = [str(world["register"].gamma.pk)]
            data["role"] = ["partner"]
        for key in [k for k in data if k.endswith("-id") or k.endswith("-arrangement")]:
            data.pop(key)  # inline rows of the original become new rows
        for key in [k for k in data if k.endswith("INITIAL_FORMS")]:
            data[key] = ["0"]
        return data
    if page.kind in {"change", "history_form", "delete", "password_change", "login"}:
        if page.kind in {"password_change", "login"}:
            return {}
        response = admin_client.get(url)
        if response.status_code == 403:
            return {}  # not even a superuser may (the task records are read-only): no form
        data = form_fields(response.content.decode())
        assert data, f"no form found at {url}"
        if page.kind == "change":
            # Change one text, so that a save is seen even where no history is kept.
            name = next((n for n in TEXT_FIELDS if n in data), None)
            if name:
                data[name] = [data[name][0] + " (checked)"]
        return data
    if page.kind == "import":
        return {}
    return {}


# --- The test ------------------------------------------------------------------------


def snapshot() -> dict:
    """Every row of every table a write could touch (sessions and sign-in logs aside), as
    the database holds it: read with SQL, not through the models, which would take most
    of the test's time."""
    models = list(apps.get_app_config("register").get_models(include_auto_created=True))
    models += [User, Group, Group.permissions.through, User.groups.through, AccessAttempt]
    models += [DBTaskResult]
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for model in models:
            table, pk = model._meta.db_table, model._meta.pk.column
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")
            rows[table] = cursor.fetchall()
    return rows


def pages_and_actions(world) -> list[Page]:
    pages = admin_pages()
    request = type("Request", (), {})()
    request.user = world["users"]["Administrator"]
    request.GET = {}
    request.POST = {}
    for model_class, model_admin in admin.site._registry.items():
        if model_class._meta.model_name not in ENTRY | REFERENCE:
            continue
        for action in model_admin.get_actions(request):
            pages.append(
                Page(
                    f"action:{action}",
                    model_class._meta.model_name,
                    f"{model_class._meta.app_label}_{model_class._meta.model_name}_changelist",
                    "",
                )
            )
    return pages


def answer(response, before, after) -> str:
    status = response.status_code
    assert status < 500, f"server error {status}"
    changed = before != after
    if status == 302 and "/admin/login/" in response.get("Location", ""):
        return SIGN_IN + (" (and wrote!)" if changed else "")
    if changed:
        return SAVED if status in (200, 302) else f"{status} and wrote!"
    return {
        200: SHOWN,
        301: REDIRECT,
        302: REDIRECT,
        403: REFUSED,
        404: NOT_FOUND,
        405: NOT_ALLOWED,
    }.get(status, str(status))


def adjusted(want: str, page: Page, world) -> str:
    """Where the sample itself makes a permitted write a no-op."""
    sample = world["samples"].get(page.model)
    if want == SAVED and page.kind == f"action:mark_{getattr(sample, 'status', None)}":
        return UNCHANGED  # already in that status
    if want == SAVED and page.kind in {"delete", "action:delete_selected"}:
        collector = NestedObjects(using="default")
        collector.collect([sample])
        if collector.protected:
            return UNCHANGED  # Django explains why it cannot be deleted
    return want


def matches(got: str, want: str) -> bool:
    if want == UNCHANGED:
        return "wrote" not in got and got != SAVED
    if want == SAVED:
        return got == SAVED
    return got == want


def group_of(page: Page) -> str:
    return page.model or "site"


# One test per model the admin registers (and one for the site's own pages), each trying
# every role: a page's valid submission is made once for all six, and the tests spread
# over the cores. Read from the admin's own URLs when the tests are collected.
GROUPS = sorted({group_of(page) for page in admin_pages()})


@pytest.mark.parametrize("group", GROUPS)
def test_every_admin_url_answers_each_role_as_the_rules_say(client, world, group):
    pages = [page for page in pages_and_actions(world) if group_of(page) == group]
    assert pages, f"the admin has no pages for {group} any more"
    failures = []
    for page in pages:
        url = url_for(page, world)
        data = payload(client, page, url, world)
        for role in ROLES:
            user = world["users"].get(role)
            for method in ("GET", "POST"):
                want = adjusted(expected(page.kind, page.model, role, method), page, world)
                with transaction.atomic():
                    client.logout()
                    if user is not None:
                        client.force_login(user)
                    before = snapshot()
                    response = client.get(url) if method == "GET" else client.post(url, data)
                    got = answer(response, before, snapshot())
                    transaction.set_rollback(True)  # every request starts from the same world
                if not matches(got, want):
                    failures.append(
                        f"{role}: {method} {url} [{page.kind}]: expected {want}, got {got}"
                    )
    assert not failures, "\n".join(failures)


def test_the_matrix_covers_every_model_the_admin_registers():
    registered = {m._meta.model_name for m in admin.site._registry}
    kinds = {(p.model, p.kind) for p in admin_pages()}
    for model in registered:
        assert (model, "changelist") in kinds
        assert model in GROUPS
    history = {
        m._meta.model_name
        for m, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin)
    }
    assert history == {(model) for model, kind in kinds if kind == "history_form"}
