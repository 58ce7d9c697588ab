"""The scrutiny briefing on one council or one partnership: what it says, and in what
words, worked out here so that its template only formats it.

A briefing opens with a one-page summary (who, the headline figures with their rules,
arrangements by status, and the few things a councillor should ask about), then lists
the arrangements with their partners named, savings, milestones and barriers, explains
its terms, and ends with a numbered list of its sources and of the pages it links to:
on paper a link prints as its reference number, never as its address.

The honest-figures rules (register/figures.py) hold throughout: headline totals count
only arrangements going ahead, an authority's own savings and the whole-arrangement
figures of the arrangements it takes part in are never added together, and qualifiers
survive every sum. The number of queries never depends on the size of the briefing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q

from . import links, selectors, summaries
from .dates import partial_date_end
from .figures import HEADLINE_RULE, of_savings
from .models import (
    GOING_AHEAD,
    NOT_YET_DECIDED,
    Arrangement,
    Authority,
    Membership,
    Milestone,
    Partnership,
    Saving,
    Source,
)

REGISTER = "Shared Services Register"

WHOSE_RULE = (
    "A saving belongs either to one named authority (its own) or to a whole arrangement, "
    "shared by every partner. The two are shown apart and never added together."
)

# The terms a briefing uses, in the order a reader meets them.
GLOSSARY = [
    (
        "Taking part",
        "An authority takes part as lead (it runs the arrangement), host (it employs or "
        "houses a shared team) or partner.",
    ),
    (
        "Joining, prospective",
        "Joining: has said it will join, not yet joined. Prospective: named in an option, "
        "not joined. Neither counts as taking part.",
    ),
    (
        "Going ahead",
        "In development, procurement under way, operational, or ended after operating. Only "
        "these arrangements' savings count in headline totals. Proposed and under "
        "consideration are not yet decided; not pursued means dropped.",
    ),
    ("Target", "A saving aimed for: never counted as a saving, nor added to one."),
    ("Estimated", "A saving worked out before the arrangement runs, as in a business case."),
    ("Forecast", "A saving expected from an arrangement under way, by those running it."),
    ("Achieved", "A saving the source reports as made."),
    (
        "Own, whole-arrangement",
        "An authority's own saving is attributed to it alone. A whole-arrangement saving "
        "belongs to the arrangement, shared by its partners, not to any one of them. The "
        "two are never added together.",
    ),
    (
        '"At least", "up to", "about"',
        'The source\'s words about a figure, kept in totals: a total with an "over" or "at '
        'least" figure in it reads "at least"; "up to" figures make a range; an "about" or '
        '"average" figure makes the total "about". Percentages are counted, never added to '
        "pounds.",
    ),
    (
        "No update recorded since",
        "A milestone still recorded as planned although the day, month, season or year it "
        "names has passed: the register has nothing newer than the date given.",
    ),
]

EXEMPT_PUBLIC = (
    "Information exempt from publication under Schedule 12A of the Local Government Act "
    "1972. This briefing leaves out every exempt arrangement."
)
EXEMPT_INCLUDED = (
    "Information exempt from publication under Schedule 12A of the Local Government Act "
    "1972. This briefing includes exempt arrangements, marked Exempt: do not publish it, "
    "or share it with anyone not entitled to see them."
)

# A PDF takes seconds to make (a council of 30 arrangements, four pages: 3 to 5 s; of
# 100, about 6 s), and longer with every page. Past this many arrangements the briefing
# runs to tens of pages and would hold a server worker too long: it is printed from the
# browser instead.
PDF_MAX_ARRANGEMENTS = 100
# At most this many arrangements are described one by one: those going ahead with the
# largest savings first. Every figure and question counts all of them; the list holds
# the rest. A briefing then stays a few pages, however many arrangements there are.
DESCRIBED_MAX = 30

# How old the newest source may be before the summary asks for an update.
STALE_AFTER_DAYS = 365
QUESTIONS_SHOWN = 6
PARTNERS_NAMED = 6


# --- References ---------------------------------------------------------------------------


@dataclass
class Reference:
    number: int
    title: str
    body: str
    date: str
    url: str
    document: bool  # a source document, rather than a page of this register

    @property
    def anchor(self) -> str:
        return f"ref-{self.number}"


class References:
    """The briefing's numbered references: its source documents first, then each page of
    the register it links to, numbered in the order the briefing first links to them. A
    page linked twice keeps its first number."""

    register = REGISTER

    def __init__(self, absolute: Callable[[str], str], date: str):
        self.absolute = absolute
        self.date = date
        self.items: list[Reference] = []
        self._by_key: dict = {}

    def source(self, source: Source) -> Reference:
        key = ("source", source.pk)
        if key not in self._by_key:
            body = ", ".join(p for p in (source.issuing_body, source.meeting) if p)
            # A meeting is often named with its date: the date is not given twice.
            date = (
                "" if source.date and source.date_display in source.meeting else source.date_display
            )
            self._add(key, source.title, body, date, source.url, True)
        return self._by_key[key]

    def page(self, url: str, title: str) -> Reference:
        url = self.absolute(url)
        key = ("page", url)
        if key not in self._by_key:
            self._add(key, title, REGISTER, self.date, url, False)
        return self._by_key[key]

    def _add(self, key, title, body, date, url, document):
        reference = Reference(len(self.items) + 1, title, body, date, url, document)
        self.items.append(reference)
        self._by_key[key] = reference

    @property
    def documents(self) -> list[Reference]:
        return [r for r in self.items if r.document]

    @property
    def pages(self) -> list[Reference]:
        return [r for r in self.items if not r.document]


@dataclass
class Link:
    """A link in the briefing's text: on screen its text, on paper its text and number."""

    url: str
    text: str
    ref: Reference | None  # None: not printed, so not numbered


# --- Milestones ---------------------------------------------------------------------------


def pdf_refused(arrangements: int) -> str:
    """Why a briefing of this many arrangements is not offered as a PDF, or ''."""
    if arrangements <= PDF_MAX_ARRANGEMENTS:
        return ""
    return (
        f"A PDF is made of briefings of up to {PDF_MAX_ARRANGEMENTS} arrangements; this one "
        f"has {arrangements:,}. Print this page instead: your browser can usually save it "
        "as a PDF."
    )


def milestone_progress(milestone: Milestone, as_of: datetime.date, last_heard: str = "") -> str:
    """Where a milestone stands on ``as_of``, in words. A planned milestone whose date (or
    the whole month, season or year it names) is before ``as_of`` says that nothing has
    been recorded since ``last_heard`` (the date of the newest source on its arrangement),
    or since then, when no source is dated."""
    when = milestone.date_display
    if milestone.status == Milestone.Status.DONE:
        return f"Done, {when}" if when else "Done, date not given"
    if milestone.status == Milestone.Status.MISSED:
        return f"Missed, {when}" if when else "Missed, date not given"
    if not when:
        return "Planned, no date given"
    if is_overdue(milestone, as_of):
        return f"Planned for {when} — no update recorded since {last_heard or 'then'}"
    return f"Planned for {when}"


def is_overdue(milestone: Milestone, as_of: datetime.date) -> bool:
    """Still planned, although the date or the whole period it names has passed."""
    return (
        milestone.status == Milestone.Status.PLANNED
        and milestone.date is not None
        and partial_date_end(milestone.date, milestone.date_precision) < as_of
    )


# --- Rows ---------------------------------------------------------------------------------


@dataclass
class PartnerGroup:
    label: str  # "Lead", "Partners", ...
    names: list[str]


@dataclass
class SavingRow:
    saving: Saving
    counted: bool  # in a headline total (figures.HEADLINE_RULE); targets never are
    text: str  # the figure, its basis and year, whose it is and whether it counts
    source: Reference | None


@dataclass
class MilestoneRow:
    milestone: Milestone
    link: Link  # its arrangement
    progress: str
    overdue: bool
    source: Reference | None


@dataclass
class ArrangementRow:
    arrangement: Arrangement | ArrangementFacts  # whole only if described one by one
    link: Link
    status: str  # with the council's role, and whether its savings count
    going_ahead: bool
    subject_role: str  # the council's role, in an authority's briefing
    partners: list[PartnerGroup]  # the others taking part, in an authority's briefing
    sources: list[Reference]
    savings: list[SavingRow]
    milestones: list[MilestoneRow]
    barriers: list[str]


class SavingFacts(NamedTuple):
    """What the questions' counts and totals need of one saving (figures.of_savings)."""

    arrangement_id: int
    basis: str
    qualifier: str
    amount: Decimal | None
    percentage: Decimal | None
    source_id: int | None


class MilestoneFacts(NamedTuple):
    """What the count of overdue milestones and the list of sources need of one."""

    pk: int
    arrangement_id: int
    status: str
    date: datetime.date | None
    date_precision: str
    source_id: int | None


def facts_of(records, row_type, arrangements) -> list:
    """Each of the records as a ``row_type``, whose fields are named as the model's, read
    as plain values; only those of ``arrangements`` (a record added since they were read
    waits for the next briefing)."""
    rows = (row_type(*row) for row in records.values_list(*row_type._fields))
    return [row for row in rows if row.arrangement_id in arrangements]


class ArrangementFacts(NamedTuple):
    """What a briefing needs of an arrangement it counts but does not describe one by
    one (its row in the list of all, the questions' counts): read as plain values, so
    a council's briefing at scale builds no model object for its thousands."""

    pk: int
    title: str
    slug: str
    status: str
    savings_lower: Decimal
    exempt: bool
    barriers: list

    def get_absolute_url(self) -> str:
        return links.detail_url("register:arrangement-detail", self.slug)

    def get_status_display(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


class Named(NamedTuple):
    """One membership, for counting: who, in which arrangement, in what role."""

    arrangement: int
    authority: int
    role: str


ROLE_LABELS = dict(Membership.Role.choices)
STATUS_LABELS = dict(Arrangement.Status.choices)


@dataclass
class Question:
    finding: str
    ask: str


@dataclass
class Briefing:
    subject: Authority | Partnership
    params: dict
    today: datetime.date
    who: list[str]
    totals: summaries.ListTotals
    list_link: Link
    whose: summaries.AuthoritySavings | None
    statuses: list[dict]
    status_groups: list[dict]
    questions: list[Question]
    arrangements: list[ArrangementRow]  # every one, for the figures and questions
    described: list[ArrangementRow]  # those described one by one (DESCRIBED_MAX)
    targets: list[dict]
    counted_savings: list[SavingFacts]  # of arrangements going ahead, targets aside
    first_overdue: MilestoneRow | None  # the earliest planned milestone past its date
    glossary: list[tuple[str, str]]
    references: References
    online_link: Link | None = None
    headline_rule: str = HEADLINE_RULE
    whose_rule: str = WHOSE_RULE
    overdue: int = 0  # planned milestones past their date

    def context(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__} | {
            "briefing": self
        }


# --- Building it --------------------------------------------------------------------------


def partner_name(row: selectors.PartnerRow) -> str:
    """'Shepway (now Folkestone and Hythe)'; 'Allerdale (abolished 2023; succeeded by
    Cumberland)'."""
    authority = row.membership.authority
    name = row.name_then
    notes = []
    if row.renamed:
        notes.append(f"now {authority.name}")
    if row.abolished:
        succeeded = " and ".join(s.name for s in row.successors)
        notes.append(
            f"abolished {row.abolished.year}" + (f"; succeeded by {succeeded}" if succeeded else "")
        )
    return f"{name} ({'; '.join(notes)})" if notes else name


GROUP_LABELS = {
    Membership.Role.LEAD: ("Lead", "Leads"),
    Membership.Role.HOST: ("Host", "Hosts"),
    Membership.Role.PARTNER: ("Partner", "Partners"),
    Membership.Role.JOINING: ("Joining", "Joining"),
    Membership.Role.PROSPECTIVE: ("Prospective", "Prospective"),
    Membership.Role.WITHDRAWN: ("Withdrawn", "Withdrawn"),
}


def partner_groups(rows: list[selectors.PartnerRow]) -> list[PartnerGroup]:
    """Partners named, grouped by role in the register's order of roles."""
    groups = []
    for role, _ in Membership.Role.choices:
        names = [partner_name(r) for r in rows if r.membership.role == role]
        if names:
            one, many = GROUP_LABELS[role]
            groups.append(PartnerGroup(one if len(names) == 1 else many, names))
    return groups


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def and_list(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def briefing(
    user,
    *,
    partnership: Partnership | None = None,
    authority: Authority | None = None,
    today: datetime.date | None = None,
    absolute: Callable[[str], str] = lambda url: url,
) -> Briefing:
    """The briefing on one partnership or one authority, for ``user`` (exempt
    arrangements only for those allowed to see them). ``absolute`` makes a page's
    address absolute, for the printed references. A fixed number of queries."""
    today = today or datetime.date.today()
    references = References(absolute, f"{today.day} {today:%B %Y}")
    visible = Arrangement.objects.visible_to(user)
    visible_savings = Saving.objects.visible_to(user)
    if partnership is not None:
        chosen = visible.filter(partnership=partnership)
        members = list(partnership.members.order_by("name", "code"))
        authorities = Authority.objects.filter(pk__in=[a.pk for a in members])
        params = {"partnership": partnership.slug}
        subject, possessive = partnership, f"{partnership.name}'s"
    else:
        chosen = visible.filter(
            Exists(Membership.objects.filter(arrangement=OuterRef("pk"), authority=authority))
        )
        members = []
        authorities = Authority.objects.filter(pk=authority.pk)
        params = {"authority": authority.code}
        subject, possessive = authority, f"{authority.name}'s"
    chosen = Arrangement.objects.filter(pk__in=chosen.values("pk"))
    ids = chosen.values("pk")

    # Every arrangement as a few plain values, for the counts and the list of all; read
    # whole, with their sources, only the few described one by one (DESCRIBED_MAX).
    arrangements = [
        ArrangementFacts(*row)
        for row in chosen.order_by("title", "pk").values_list(*ArrangementFacts._fields)
    ]
    shown = described_ids(arrangements)
    whole = {
        a.pk: a
        for a in chosen.filter(pk__in=shown)
        .with_totals()
        .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("date", "pk")))
    }
    shown &= set(whole)  # (one removed meanwhile is counted, not described)
    arrangements = [whole.get(a.pk, a) for a in arrangements]
    by_pk = {a.pk: a for a in arrangements}
    # Each authority is read once, with its former names and successors, however many
    # memberships name it (prefetching them per membership took seconds at scale).
    named = Membership.objects.filter(arrangement__in=ids)
    authority_by_pk = {
        a.pk: a
        for a in Authority.objects.filter(pk__in=named.values("authority_id")).prefetch_related(
            "names", "successors"
        )
    }
    # Every membership as (arrangement, authority, role), for the counts: a council's
    # briefing at scale names some 13,000. Read whole only for the arrangements described,
    # whose partners are listed.
    # (Each later read keeps to the arrangements and authorities read first: a record
    # added meanwhile waits for the next briefing.)
    roles = [
        Named(*row)
        for row in named.order_by("pk").values_list("arrangement_id", "authority_id", "role")
        if row[0] in by_pk and row[1] in authority_by_pk
    ]
    memberships: dict[int, list] = {}
    for m in named.filter(arrangement_id__in=shown).order_by("authority__name", "pk"):
        if m.authority_id not in authority_by_pk:
            continue
        m.authority = authority_by_pk[m.authority_id]
        memberships.setdefault(m.arrangement_id, []).append(m)
    subject_roles: dict[int, str] = {}
    if authority is not None:
        for row in roles:
            if row.authority == authority.pk:
                label = ROLE_LABELS.get(row.role, row.role)
                subject_roles.setdefault(row.arrangement, label.split(" (")[0])
    recorded = Saving.objects.filter(arrangement__in=ids).order_by(
        F("financial_year").asc(nulls_last=True), "arrangement__title", "pk"
    )
    # Likewise every saving, for the questions' counts and totals; whole only for the
    # arrangements described, whose savings are listed.
    saving_facts = facts_of(recorded, SavingFacts, by_pk)
    savings = list(recorded.filter(arrangement_id__in=shown).select_related("authority", "source"))
    timeline = Milestone.objects.filter(arrangement__in=ids).order_by(
        F("date").asc(nulls_last=True), "arrangement__title", "pk"
    )
    # Every milestone as a few facts, for the count of those overdue and the sources the
    # briefing draws on; read whole only for the arrangements described, and the earliest
    # overdue, which a question names.
    facts = facts_of(timeline, MilestoneFacts, by_pk)
    overdue = [f.pk for f in facts if is_overdue(f, today)]
    milestones = list(
        timeline.filter(
            pk__in={f.pk for f in facts if f.arrangement_id in shown} | set(overdue[:1])
        ).select_related("source")
    )
    totals = summaries.list_totals(chosen)
    statuses = summaries.status_counts(chosen, totals.by_status)
    targets = summaries.targets_beside_savings(authorities, visible_savings)
    whose = (
        summaries.authority_savings(authority, visible_savings) if authority is not None else None
    )
    partnerships = list(authority.partnerships.order_by("name")) if authority is not None else []

    # Source documents are numbered first, in date order, then the pages linked to; only
    # those the described arrangements cite are printed.
    # Every source the arrangements, their savings and their milestones draw on, for
    # the summary's count and dates: one query, however many arrangements.
    drawn_on = {f.source_id for f in [*saving_facts, *facts] if f.source_id}
    cited_by_arrangements = Arrangement.sources.through.objects.filter(arrangement__in=ids)
    documents = {
        s.pk: s
        for s in Source.objects.filter(
            Q(pk__in=cited_by_arrangements.values("source_id")) | Q(pk__in=drawn_on)
        )
    }
    cited_documents = {s.pk: s for a in arrangements if a.pk in shown for s in a.sources.all()}
    cited_documents |= {
        r.source.pk: r.source
        for r in [*savings, *milestones]
        if r.source_id and r.arrangement_id in shown
    }
    for source in sorted(
        cited_documents.values(), key=lambda s: (s.date is None, s.date or today, s.title, s.pk)
    ):
        references.source(source)

    def newest(arrangement) -> Source | None:
        dated = [s for s in arrangement.sources.all() if s.date]
        return max(dated, key=lambda s: (s.date, s.pk)) if dated else None

    def arrangement_link(arrangement) -> Link:
        url = arrangement.get_absolute_url()
        if arrangement.pk not in shown:
            return Link(url, arrangement.title, None)
        return Link(url, arrangement.title, references.page(url, arrangement.title))

    # Summary: the list, then each status, in the order the summary shows them.
    list_url = links.arrangements_url((), **params)
    list_link = Link(
        list_url,
        plural(totals.arrangements, "arrangement"),
        references.page(list_url, f"Arrangements of {subject.name}"),
    )
    shown_statuses = []
    for row in statuses:
        if not row["count"]:
            continue
        url = links.arrangements_url((), status=row["status"], **params)
        title = f"Arrangements of {subject.name}: {row['label'].lower()}"
        shown_statuses.append({**row, "url": url, "ref": references.page(url, title)})
    status_groups = [
        {
            "label": label,
            "count": sum(s["count"] for s in shown_statuses if s["status"] in members_of),
            "statuses": [s for s in shown_statuses if s["status"] in members_of],
        }
        for label, members_of in (
            ("Going ahead", GOING_AHEAD),
            ("Not yet decided", NOT_YET_DECIDED),
            ("Not pursued", ("not_pursued",)),
        )
    ]
    status_groups = [g for g in status_groups if g["statuses"]]

    def cited(record, arrangement) -> Reference | None:
        """A saving's or milestone's own source, where it is not its arrangement's."""
        if arrangement.pk not in shown:
            return None
        if not record.source_id or record.source in arrangement.sources.all():
            return None
        return references.source(record.source)

    # Each arrangement's page is numbered in the order of the arrangements, which the
    # briefing lists before anything else that links to them.
    arrangement_links = {a.pk: arrangement_link(a) for a in arrangements}

    with_savings = {f.arrangement_id for f in saving_facts}
    saving_rows: dict[int, list[SavingRow]] = {}
    for s in savings:
        arrangement = by_pk[s.arrangement_id]
        # Whether it counts follows from its arrangement's status (said once, with the
        # status) and its basis (a target never counts).
        counted = s.basis != Saving.Basis.TARGET and arrangement.status in GOING_AHEAD
        year = f", {s.financial_year_display}" if s.financial_year else ""
        owner = f"{s.authority.name}'s own" if s.authority_id else "whole arrangement"
        saving_rows.setdefault(s.arrangement_id, []).append(
            SavingRow(
                s,
                counted,
                f"{s.display}, {s.get_basis_display().lower()}{year}, {owner}",
                cited(s, by_pk[s.arrangement_id]),
            )
        )

    milestone_rows: dict[int, list[MilestoneRow]] = {}
    first_overdue = None
    for m in milestones:
        arrangement = by_pk[m.arrangement_id]
        progress = ""
        if arrangement.pk in shown:
            heard = [d for d in (newest(arrangement), m.source) if d is not None and d.date]
            last_heard = max(heard, key=lambda s: s.date).date_display if heard else ""
            progress = milestone_progress(m, today, last_heard)
        row = MilestoneRow(
            m,
            arrangement_links[m.arrangement_id],
            progress,
            is_overdue(m, today),
            cited(m, arrangement),
        )
        milestone_rows.setdefault(m.arrangement_id, []).append(row)
        if overdue and m.pk == overdue[0]:
            first_overdue = row

    # Who holds the abolished partners' places, from the authorities read above.
    successors = {pk: list(a.successors.all()) for pk, a in authority_by_pk.items()}
    rows = []
    for a in arrangements:
        role = subject_roles.get(a.pk, "")
        partner_list = []
        if a.pk in shown:
            partner_list = [
                r
                for r in selectors.partner_rows(
                    memberships.get(a.pk, []), a.reported_on, successors
                )
                if authority is None or r.membership.authority_id != authority.pk
            ]
        status = a.get_status_display()
        if authority is not None:
            status += f"; {authority.name}: {role.lower() or 'named'}"
        if a.pk in with_savings and a.status not in GOING_AHEAD:
            status += "; savings not counted"
        rows.append(
            ArrangementRow(
                a,
                arrangement_links[a.pk],
                status,
                a.status in GOING_AHEAD,
                role,
                partner_groups(partner_list),
                [references.source(s) for s in a.sources.all()] if a.pk in shown else [],
                saving_rows.get(a.pk, []),
                milestone_rows.get(a.pk, []),
                list(a.barriers),
            )
        )

    who = who_lines(
        subject,
        authority,
        members,
        partnerships,
        arrangements,
        roles,
        {pk: a.name for pk, a in authority_by_pk.items()},
        documents.values(),
    )
    briefing = Briefing(
        subject=subject,
        params=params,
        today=today,
        who=who,
        totals=totals,
        list_link=list_link,
        whose=whose,
        statuses=shown_statuses,
        status_groups=status_groups,
        questions=[],
        arrangements=rows,
        described=[row for row in rows if row.arrangement.pk in shown],
        targets=targets,
        counted_savings=[
            f
            for f in saving_facts
            if f.basis != Saving.Basis.TARGET and by_pk[f.arrangement_id].status in GOING_AHEAD
        ],
        first_overdue=first_overdue,
        glossary=[
            *GLOSSARY,
            ("Exempt", EXEMPT_INCLUDED if any(a.exempt for a in arrangements) else EXEMPT_PUBLIC),
        ],
        references=references,
        overdue=len(overdue),
    )
    briefing.questions = questions(briefing, authority, possessive, documents.values())
    return briefing


def described_ids(arrangements: list[Arrangement]) -> set[int]:
    """The arrangements a briefing describes one by one: all of them, up to
    DESCRIBED_MAX; beyond that, those going ahead first, the largest savings first."""
    if len(arrangements) <= DESCRIBED_MAX:
        return {a.pk for a in arrangements}
    ranked = sorted(
        arrangements,
        key=lambda a: (a.status not in GOING_AHEAD, -a.savings_lower, a.title, a.pk),
    )
    return {a.pk for a in ranked[:DESCRIBED_MAX]}


def who_lines(subject, authority, members, partnerships, arrangements, named, names, documents):
    """Who the briefing is about, in a few sentences. ``named``: every membership of the
    arrangements, as Named rows; ``names``: each authority's name, by primary key."""
    lines = []
    n = len(arrangements)
    by_arrangement: dict[int, list[Named]] = {}
    for row in named:
        by_arrangement.setdefault(row.arrangement, []).append(row)
    if authority is not None:
        described = ", ".join(
            p for p in (authority.tier.name if authority.tier_id else "", _region(authority)) if p
        )
        roles = Counter(row.role for row in named if row.authority == authority.pk)
        taking_part = sum(roles[r] for r in Membership.JOINED)
        line = f"{authority.name}" + (f" ({described})" if described else "")
        line += f" is named in {plural(n, 'arrangement')} in the register"
        if n:
            parts = [
                f"{GROUP_LABELS[r][0].lower()} in {roles[r]}" for r in Membership.JOINED if roles[r]
            ]
            line += f" and takes part in {taking_part}"
            line += f" ({', '.join(parts)})" if parts else ""
        lines.append(line + ".")
        others = [
            f"{GROUP_LABELS[r][0].lower()} in {roles[r]}"
            for r in (
                Membership.Role.JOINING,
                Membership.Role.PROSPECTIVE,
                Membership.Role.WITHDRAWN,
            )
            if roles[r]
        ]
        if others:
            lines.append(
                f"It is also named as {and_list(others)}, which do not count as taking part."
            )
        together = Counter(
            names[row.authority]
            for rows in by_arrangement.values()
            if any(x.authority == authority.pk for x in rows)
            for row in rows
            if row.authority != authority.pk and row.role in Membership.JOINED
        )
        if together:
            ranked = sorted(together.items(), key=lambda kv: (-kv[1], kv[0]))
            named = [f"{name} ({count})" for name, count in ranked[:PARTNERS_NAMED]]
            rest = len(ranked) - len(named)
            if rest:
                named.append(plural(rest, "other"))
            lines.append(f"It shares arrangements most with {and_list(named)}.")
        if partnerships:
            lines.append(f"Member of {and_list([p.name for p in partnerships])}.")
    else:
        lines.append(
            f"{subject.name}"
            + (f" ({subject.short_name})" if subject.short_name else "")
            + f" sponsors {plural(n, 'arrangement')} in the register."
        )
        if members:
            lines.append(f"Members: {and_list([m.name for m in members])}.")
        leads = Counter(names[row.authority] for row in named if row.role == Membership.Role.LEAD)
        if leads:
            ranked = sorted(leads.items(), key=lambda kv: (-kv[1], kv[0]))
            unled = n - sum(leads.values())
            lines.append(
                "Led by "
                + and_list([f"{name} ({count})" for name, count in ranked])
                + (f"; no lead named for {unled}" if unled else "")
                + "."
            )
    dated = [s for s in documents if s.date]
    if dated:
        newest = max(dated, key=lambda s: (s.date, s.pk))
        lines.append(
            f"Drawn from {plural(len(list(documents)), 'source')}; the newest is dated "
            f"{newest.date_display}."
        )
    elif documents:
        lines.append(f"Drawn from {plural(len(list(documents)), 'source')}, none of them dated.")
    else:
        lines.append("No source is recorded for these arrangements.")
    return lines


def _region(authority) -> str:
    return authority.region.name if authority.region_id else ""


def questions(b: Briefing, authority, possessive: str, documents) -> list[Question]:
    """The few things a councillor should ask about, most pressing first."""
    out = []
    dated = [s.date for s in documents if s.date]
    if dated and (b.today - max(dated)).days > STALE_AFTER_DAYS:
        newest = max(dated)
        years = (b.today - newest).days // 365
        age = plural(years, "year") if years else "over a year"
        out.append(
            Question(
                f"The newest source in this briefing is dated {newest.day} "
                f"{newest:%B %Y}, {age} ago: statuses and figures may have changed since.",
                "Ask officers for an update, and for the register to be brought up to date.",
            )
        )
    if b.overdue:
        first = b.first_overdue
        finding = (
            f"{plural(b.overdue, 'planned milestone')} "
            f"{'is' if b.overdue == 1 else 'are'} past "
            f"{'its' if b.overdue == 1 else 'their'} date with no update recorded"
        )
        if first is not None:  # (none if it was removed while the briefing was read)
            finding += (
                f"; the earliest, “{first.milestone.title}” ({first.link.text}), was planned "
                f"for {first.milestone.date_display}"
            )
        out.append(
            Question(finding + ".", "What happened, and are these arrangements still on course?")
        )
    with_targets = [t for t in b.targets if t["target"] is not None]
    if with_targets:
        shown = [
            f"{format_money_or_none(t['target'])} in {t['label']}"
            + (f" ({t['authority'].name})" if authority is None else "")
            + f", against own savings of {t['recorded'].text if t['recorded'] else 'none'}"
            for t in with_targets[:3]
        ]
        more = len(with_targets) - len(shown)
        whose = possessive if authority is not None else "Members'"
        out.append(
            Question(
                f"{whose} savings targets: {'; '.join(shown)}"
                + (f"; and {plural(more, 'more year')}" if more else "")
                + ". Whole-arrangement savings are not any one authority's, so are not set "
                "against them.",
                "How much of these targets are shared services expected to meet, and how?",
            )
        )
    going = [r for r in b.arrangements if r.going_ahead]
    counted = {s.arrangement_id for s in b.counted_savings}
    without = [r for r in going if r.arrangement.pk not in counted]
    if without:
        out.append(
            Question(
                f"{len(without)} of the {plural(len(going), 'arrangement')} going ahead "
                f"{'has' if len(without) == 1 else 'have'} no savings figure recorded.",
                "What is each expected to save, by when, and who is measuring it?",
            )
        )
    figures = b.counted_savings
    unproven = [s for s in figures if s.basis != Saving.Basis.ACHIEVED]
    if unproven:
        total = of_savings(unproven)
        if len(unproven) == len(figures):
            finding = (
                f"{'The' if len(figures) == 1 else 'All'} "
                f"{plural(len(figures), 'savings figure')} of arrangements going ahead "
                f"{'is' if len(figures) == 1 else 'are'} estimated or forecast ({total.text}); "
                "none is reported as achieved."
            )
        else:
            finding = (
                f"{len(unproven)} of the {plural(len(figures), 'savings figure')} of "
                f"arrangements going ahead {'is' if len(unproven) == 1 else 'are'} estimated "
                f"or forecast, not achieved ({total.text})."
            )
        out.append(
            Question(
                finding,
                "Have these savings been achieved since, and where is that reported?",
            )
        )
    undecided = [r for r in b.arrangements if r.arrangement.status in NOT_YET_DECIDED]
    if undecided:
        out.append(
            Question(
                f"{plural(len(undecided), 'idea')} {'is' if len(undecided) == 1 else 'are'} "
                "still proposed or under consideration.",
                "Has a decision been made, and if not, when will it be?",
            )
        )
    blocked = [r for r in b.arrangements if r.going_ahead and r.barriers]
    if blocked:
        example = blocked[0]
        out.append(
            Question(
                f"{plural(len(blocked), 'arrangement')} going ahead "
                f"{'has' if len(blocked) == 1 else 'have'} barriers recorded, for example "
                f"“{example.barriers[0]}” ({example.link.text}).",
                "Have they been overcome?",
            )
        )
    if authority is not None:
        pending = [
            r
            for r in b.arrangements
            if r.subject_role in ("Joining", "Prospective")
            and r.arrangement.status != Arrangement.Status.NOT_PURSUED
        ]
        if pending:
            out.append(
                Question(
                    f"{authority.name} is named as joining or prospective in "
                    f"{plural(len(pending), 'arrangement')} it has not joined.",
                    "Will it join, on what terms, and what would it save?",
                )
            )
    return out[:QUESTIONS_SHOWN]


def format_money_or_none(amount) -> str:
    from .money import format_money

    return format_money(amount) if amount is not None else "none"


# --- The picker ---------------------------------------------------------------------------


def picker_choices(user) -> dict:
    """The councils and partnerships a briefing can be asked for: first every authority
    taking part in an arrangement the user may see (with how many), then every other
    authority; and every partnership, with its visible arrangements. Two queries."""
    visible = Arrangement.objects.visible_to(user).values("pk")
    authorities = list(
        Authority.objects.annotate(
            n=Count(
                "memberships__arrangement",
                filter=Q(
                    memberships__role__in=Membership.JOINED,
                    memberships__arrangement__in=visible,
                ),
                distinct=True,
            )
        )
        .order_by("name", "code")
        .values_list("code", "name", "n")
    )
    partnerships = list(
        Partnership.objects.annotate(
            n=Count("arrangements", filter=Q(arrangements__in=visible), distinct=True)
        )
        .order_by("name", "pk")
        .values_list("slug", "name", "n")
    )
    return {
        "taking_part": [(code, f"{name} ({n})") for code, name, n in authorities if n],
        "others": [(code, name) for code, name, n in authorities if not n],
        "partnerships": [(slug, f"{name} ({n})") for slug, name, n in partnerships],
    }


def find_authority(text: str) -> Authority | None:
    """The authority a picker's value names: its three-letter code, or its name."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) == 3 and text.isalpha():
        found = Authority.objects.filter(code=text.upper()).first()
        if found is not None:
            return found
    named = Authority.objects.filter(Q(name__iexact=text) | Q(official_name__iexact=text))
    by_name = list(named[:2])
    return by_name[0] if len(by_name) == 1 else None
