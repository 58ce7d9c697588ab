"""The daily digest, delivered through a real SMTP server on localhost: what changed since
the user's last digest, only of records the user may see, never twice."""

import calendar
import datetime
import email
import email.policy
import io
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from register.following import build_digest
from register.models import Arrangement, Digest, Milestone, SavedSearch, Watch
from tests.factories import ArrangementFactory, UserFactory
from tests.workers import run_worker

pytestmark = pytest.mark.django_db


class Inbox:
    """What the SMTP server received: each message with its envelope."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message": email.message_from_bytes(envelope.content, policy=email.policy.default),
            }
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on localhost, and the mail settings pointing at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "register@example.gov.uk"
    settings.REGISTER_SITE_URL = "https://register.example.gov.uk"
    settings.DIGEST_DAYS_AHEAD = 30
    yield inbox
    controller.stop()


def text_and_html(message) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


NOW = timezone.now


def later(**delta):
    return timezone.now() + datetime.timedelta(**delta)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def following(user, since, **records):
    """A watch made at ``since`` (before the changes a test makes now)."""
    return Watch.objects.create(user=user, created_at=since, **records)


def change(arrangement, **fields):
    """A change through save(), as every write path makes it: with its history."""
    arrangement = Arrangement.objects.get(pk=arrangement.pk)
    for name, value in fields.items():
        setattr(arrangement, name, value)
    arrangement.save()
    return arrangement


@pytest.fixture(autouse=True)
def made_days_ago(register):
    """The small register as it stood before anyone followed it: made three days ago."""
    ago = datetime.timedelta(days=3)
    for model in (Arrangement, Milestone):
        model.history.model.objects.update(history_date=F("history_date") - ago)
    Arrangement.objects.update(created_at=F("created_at") - ago)


@pytest.fixture
def alice(db):
    """Signed in without the permission to see exempt records."""
    return UserFactory(username="alice", email="alice@example.gov.uk")


def test_a_digest_is_delivered_with_what_changed_and_never_twice(register, smtp, alice):
    yesterday = later(days=-1)
    following(alice, yesterday, authority=register.gamma)  # fostering, costs draftsman
    SavedSearch.objects.create(
        user=alice, name="Legal <services>", query="service_area=legal", created_at=yesterday
    )
    # Since then: a status changed, a milestone and a review date came up, and a new
    # legal arrangement appeared.
    change(register.fostering, status="operational", review_date=days(10))
    Milestone.objects.create(arrangement=register.fostering, title="Contract award", date=days(5))
    ArrangementFactory(title="Shared locum solicitors", service_areas=["legal"])
    Arrangement.objects.filter(pk=register.regulatory.pk).update(review_date=days(3))  # unfollowed

    call_command("send_digests")
    assert len(smtp.received) == 1
    delivered = smtp.received[0]
    assert delivered["to"] == ["alice@example.gov.uk"]
    assert delivered["from"] == "register@example.gov.uk"
    message = delivered["message"]
    assert message["To"] == "alice@example.gov.uk"
    assert message["Subject"].startswith("Shared Services Register: changes you follow")
    text, html = text_and_html(message)
    for part in (text, html):
        assert "Shared locum solicitors" in part
        assert "Fostering framework" in part and "Procurement under way, now Operational" in part
        assert "Contract award" in part and "in 5 days" in part
        assert "Review" in part and "in 10 days" in part
        assert "https://register.example.gov.uk/arrangements/" in part
        assert "Regulatory services" not in part  # not followed
        assert "Confidential waste deal" not in part
    assert "Legal <services> (1 new)" in text
    assert "Legal &lt;services&gt; (1 new)" in html  # escaped in HTML
    digest = Digest.objects.get(user=alice)
    assert digest.sent_at is not None and digest.items == 4

    # Again the same day: nothing sent, nothing recorded twice.
    call_command("send_digests")
    assert len(smtp.received) == 1 and Digest.objects.filter(user=alice).count() == 1

    # The next day: only what changed since, and nothing told again.
    change(register.workstream, status="operational")
    from register.following import send_digests

    run = send_digests(now=later(days=1))
    assert run.sent == 1
    text, _ = text_and_html(smtp.received[1]["message"])
    assert "Costs draftsman" in text and "In development, now Operational" in text
    for told in ("Shared locum solicitors", "Contract award", "Fostering framework"):
        assert told not in text
    # And a day with nothing to tell sends nothing, but is recorded.
    run = send_digests(now=later(days=2))
    assert (run.sent, run.nothing_new) == (0, 1)
    assert len(smtp.received) == 2
    assert Digest.objects.filter(user=alice, sent_at__isnull=True).count() == 1


def test_exempt_records_reach_only_those_who_may_see_them(register, smtp, alice, viewer):
    viewer.email = "viewer@example.gov.uk"
    viewer.save()
    yesterday = later(days=-1)
    for user in (alice, viewer):
        following(user, yesterday, authority=register.delta)  # lead of the exempt deal
        SavedSearch.objects.create(user=user, name="Everything", query="", created_at=yesterday)
    change(register.secret, status="ended", review_date=days(2))
    ArrangementFactory(title="Secret new deal", exempt=True, members=[register.delta])
    Milestone.objects.create(arrangement=register.secret, title="Hidden step", date=days(1))

    call_command("send_digests")
    by_user = {item["to"][0]: text_and_html(item["message"]) for item in smtp.received}
    assert set(by_user) == {"viewer@example.gov.uk"}  # alice had nothing she may see
    text, _ = by_user["viewer@example.gov.uk"]
    assert "Confidential waste deal" in text and "Secret new deal" in text
    assert "Hidden step" in text
    assert Digest.objects.get(user=alice).items == 0

    # An exempt arrangement made public appears as new to the public, its earlier
    # status unspoken.
    change(register.secret, exempt=False)
    from register.following import send_digests

    send_digests(now=later(days=1), users=[alice])
    text, _ = text_and_html(smtp.received[-1]["message"])
    assert "Confidential waste deal" in text
    assert "Operational, now" not in text


def test_a_search_name_cannot_add_headers_or_recipients(register, smtp, alice):
    # Stored directly, past the form that refuses it.
    SavedSearch.objects.create(
        user=alice,
        name="Legal\r\nBcc: everyone@example.com\r\nSubject: hacked",
        query="",
        created_at=later(days=-1),
    )
    ArrangementFactory(title="Shared locum solicitors")
    call_command("send_digests")
    (delivered,) = smtp.received
    assert delivered["to"] == ["alice@example.gov.uk"]
    message = delivered["message"]
    assert message["Bcc"] is None
    assert "hacked" not in message["Subject"]


def test_milestones_passed_or_missed_and_dates_within_the_days_ahead(register, smtp, alice):
    following(alice, later(days=-2), arrangement=register.fostering)
    passed = Milestone.objects.create(
        arrangement=register.fostering, title="Soft market test", date=days(-1)
    )
    missed = Milestone.objects.get(title="Market engagement day")
    missed.status = Milestone.Status.MISSED
    missed.save()
    change(register.fostering, break_date=days(40), end_date=days(20))
    content = build_digest(alice, later(days=-2), NOW(), 30, first=True)
    told = {item["milestone"].pk: item["told"] for item in content.milestones.items}
    assert told[passed.pk] == "date passed, not recorded as done"
    assert told[missed.pk] == "marked missed"
    assert [item["what"] for item in content.dates.items] == ["End"]  # break: 40 days away
    # With more days ahead, the break clause is told as well.
    call_command("send_digests", "--days-ahead", "45")
    text, _ = text_and_html(smtp.received[0]["message"])
    assert "Break clause" in text and "in 40 days" in text and "End" in text


def test_an_end_given_as_a_month_is_told_by_the_last_day_of_it(register, smtp, alice):
    """An end "during next month" is not due in the days to its first day, and an end
    "during this month" is still to come, however much of the month has passed."""
    today = timezone.localdate()
    this_month = today.replace(day=1)
    next_month = (this_month + datetime.timedelta(days=32)).replace(day=1)
    to_next_month = (next_month - today).days
    following(alice, later(days=-2), arrangement=register.fostering)
    following(alice, later(days=-2), arrangement=register.legal)
    change(register.fostering, end_date=next_month, end_precision="month")
    change(register.legal, end_date=this_month, end_precision="month")
    content = build_digest(alice, later(days=-2), NOW(), to_next_month, first=True)
    told = {item["arrangement"].title: item for item in content.dates.items}
    assert "Fostering framework" not in told  # its month ends weeks after the first day
    legal = told["Shared legal team"]
    assert legal["date"] == next_month - datetime.timedelta(days=1)
    assert legal["when"].startswith(f"ends during {this_month:%B %Y}")
    assert "ago" not in legal["when"]
    ahead = (next_month - today).days + 31
    content = build_digest(alice, later(days=-2), NOW(), ahead, first=True)
    told = {item["arrangement"].title: item["when"] for item in content.dates.items}
    assert told["Fostering framework"] == (
        f"ends during {next_month:%B %Y}, in {to_next_month} to "
        f"{to_next_month + calendar.monthrange(next_month.year, next_month.month)[1] - 1} days"
    )


def test_a_failed_send_is_recorded_as_nothing_and_tried_again(register, smtp, alice, settings):
    following(alice, later(days=-1), arrangement=register.legal)
    change(register.legal, status="ended")
    working = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    with pytest.raises(CommandError, match="1 digest"):
        call_command("send_digests")
    assert not Digest.objects.exists()
    settings.EMAIL_PORT = working
    call_command("send_digests")
    assert len(smtp.received) == 1 and Digest.objects.get(user=alice).sent_at


def test_users_without_an_address_or_inactive_are_skipped(register, smtp):
    no_address = UserFactory(username="noaddress", email="")
    inactive = UserFactory(username="gone", email="gone@example.gov.uk", is_active=False)
    for user in (no_address, inactive):
        following(user, later(days=-1), arrangement=register.legal)
    change(register.legal, status="ended")
    call_command("send_digests")
    assert smtp.received == [] and not Digest.objects.exists()


def test_days_ahead_must_be_a_whole_number(register):
    with pytest.raises(CommandError, match="whole number"):
        call_command("send_digests", "--days-ahead", "-3")


@pytest.mark.django_db(transaction=True)
def test_the_digests_queued_as_a_job_are_sent_by_a_worker(register, smtp, alice):
    following(alice, later(days=-1), arrangement=register.fostering)
    change(register.fostering, status="operational")
    out = io.StringIO()
    call_command("send_digests", "--enqueue", stdout=out)
    assert "Queued today's digests as job" in out.getvalue()
    assert smtp.received == []  # queued, not sent
    run_worker()
    assert [d["to"] for d in smtp.received] == [["alice@example.gov.uk"]]
    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL" and result.return_value.startswith("Digests sent: 1.")
