"""What a release's files hold: one definition of each table's columns, from which the
Frictionless Table Schemas (datapackage.json), the JSON Schema of register.json and the
checks of the admin's import are all made, so that they cannot disagree.

A column has a name, a type (string, integer, number, boolean, date, datetime, or list:
several values in one cell, split by ``delimiter``), whether it must be filled, and the
values it may take. Money is a number with two decimal places in the CSV files and a
string ("700000.00") in the JSON, as JSON numbers lose pence.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from .dates import DatePrecision
from .figures import HEADLINE_RULE
from .models import COUNTED_BASES, Kind, Membership, Saving, Status, Tier

# The version of the files' layout: it changes when a column is added, removed or means
# something else, never with the data.
SCHEMA_VERSION = "2"  # 2: savings by basis on each arrangement
PACKAGE_NAME = "shared-services-register"
SLUG_PATTERN = r"^[a-z0-9_-]+$"
SLUG_RULE = "Use lower-case letters, numbers, hyphens and underscores only, e.g. joint-audit."
AUTHORITY_CODE_PATTERN = r"^[A-Z]{3}$"
MONEY_PATTERN = r"^[0-9]+\.[0-9]{2}$"
TRUE_VALUES = ("true",)
FALSE_VALUES = ("false",)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    max_length: int | None = None
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    money: bool = False
    delimiter: str = ""
    true_values: tuple[str, ...] = TRUE_VALUES
    false_values: tuple[str, ...] = FALSE_VALUES

    def table_schema(self) -> dict:
        """The column as a Frictionless Table Schema field."""
        out = {"name": self.name, "type": self.type, "description": self.description}
        if self.type == "list":
            out["delimiter"] = self.delimiter
            out["itemType"] = "string"
        if self.type == "boolean":
            out["trueValues"] = list(self.true_values)
            out["falseValues"] = list(self.false_values)
        if self.type == "number":
            out["bareNumber"] = True
        if self.type == "datetime":
            out["format"] = "%Y-%m-%dT%H:%M:%SZ"
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if self.max_length is not None:
            constraints["maxLength"] = self.max_length
        if self.pattern and self.type != "list":  # a list's items: the JSON Schema only
            constraints["pattern"] = self.pattern.removeprefix("^").removesuffix("$")
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.maximum is not None:
            constraints["maximum"] = self.maximum
        if constraints:
            out["constraints"] = constraints
        return out

    def json_schema(self) -> dict:
        """The column as a property of a JSON Schema (2020-12)."""
        if self.type == "list":
            out = {"type": "array", "items": {"type": "string", "minLength": 1}}
            if self.pattern:
                out["items"]["pattern"] = self.pattern
        elif self.money:
            out = {"type": "string", "pattern": MONEY_PATTERN}
        else:
            out = {
                "string": {"type": "string"},
                "integer": {"type": "integer"},
                "number": {"type": "number"},
                "boolean": {"type": "boolean"},
                "date": {"type": "string", "format": "date"},
                "datetime": {"type": "string", "format": "date-time"},
            }[self.type].copy()
        if self.enum:
            out["enum"] = list(self.enum)
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        if self.pattern and self.type != "list":
            out["pattern"] = self.pattern
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.type == "string" and self.required:
            out["minLength"] = 1
        # A value left empty is null, but for plain text, which is then "".
        nullable = self.type != "string" or bool(self.enum or self.pattern)
        if not self.required and self.type != "list" and nullable:
            out = {"anyOf": [out, {"type": "null"}]}
        return {"description": self.description, **out}


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[dict, ...] = field(default=())

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def table_schema(self) -> dict:
        schema = {
            "fields": [c.table_schema() for c in self.columns],
            "primaryKey": list(self.primary_key),
            "missingValues": [""],
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [dict(fk) for fk in self.foreign_keys]
        return schema

    def json_schema(self) -> dict:
        return {
            "type": "array",
            "description": self.description,
            "items": {
                "type": "object",
                "properties": {c.name: c.json_schema() for c in self.columns},
                "required": [c.name for c in self.columns],
                "additionalProperties": False,
            },
        }


def _choices(choices) -> tuple[str, ...]:
    return tuple(value for value, _ in choices)


def _fk(columns, table, key) -> dict:
    return {"fields": columns, "reference": {"resource": table, "fields": key}}


PRECISIONS = _choices(DatePrecision.choices)

SERVICE_AREAS = Table(
    "service_areas",
    "Service areas",
    "The register's two-level list of services: categories, and the services within them.",
    (
        Column("slug", "string", "Its identifier.", required=True, pattern=SLUG_PATTERN),
        Column("name", "string", "Its name.", required=True),
        Column(
            "parent",
            "string",
            "For a service, the slug of its category; empty for a category.",
            pattern=SLUG_PATTERN,
        ),
        Column("is_category", "boolean", "A category rather than a service.", required=True),
        Column("description", "string", "What it covers."),
        Column(
            "lgsl_code",
            "integer",
            "Its Local Government Service List number, where the list has one service that "
            "is this one.",
            minimum=0,
        ),
        Column("position", "integer", "Its place in the list's order.", required=True),
    ),
    ("slug",),
    (_fk("parent", "", "slug"),),
)

AUTHORITIES = Table(
    "authorities",
    "Authorities",
    "Councils, and other public bodies that take part in arrangements (tier 'other').",
    (
        Column(
            "code",
            "string",
            "The register's three-letter code.",
            required=True,
            pattern=AUTHORITY_CODE_PATTERN,
        ),
        Column("name", "string", "Its short name.", required=True),
        Column("official_name", "string", "Its official name."),
        Column("gss_code", "string", "Its ONS (GSS) code; empty for bodies that are not councils."),
        Column(
            "org_id",
            "string",
            "Its org-id.guide identifier: GB-LAE-<code> (Local Authorities for England "
            "register) or GB-PLA-<code> (Principal Local Authority register for Wales); "
            "empty for a body neither register lists.",
        ),
        Column("tier", "string", "Its tier's code, e.g. NMD, MD, UA.", required=True),
        Column("tier_name", "string", "Its tier, in words.", required=True),
        Column(
            "tier_level",
            "string",
            "Upper, lower or single tier, or other.",
            required=True,
            enum=_choices(Tier.Level.choices),
        ),
        Column("region", "string", "Its region's slug.", pattern=SLUG_PATTERN),
        Column(
            "county",
            "string",
            "For a shire district, its county council's code.",
            pattern=AUTHORITY_CODE_PATTERN,
        ),
        Column(
            "combined_authority",
            "string",
            "The code of the combined authority whose area it lies in today.",
        ),
        Column("start_date", "date", "The day it was created; empty when not known."),
        Column("end_date", "date", "Its last day, if abolished."),
        Column("population", "integer", "Its population.", minimum=0),
        Column("website", "string", "Its website."),
    ),
    ("code",),
    (_fk("county", "authorities", "code"),),
)

SAVINGS_COUNTED = (
    "the arrangement's own figure: its estimated, forecast and achieved money savings "
    "added together, whether recorded for the whole arrangement or for one partner within "
    "it, never one member's share of it; targets are never counted, and savings given "
    "only as a percentage are counted but never added to the pounds. The list page's "
    "headline adds the same three bases, of arrangements going ahead only "
    "(savings_count_in_headline). The savings_estimated_..., savings_forecast_... and "
    "savings_achieved_... columns give each basis apart, as the pages do."
)


def _basis_columns() -> tuple[Column, ...]:
    """Each counted basis's sum on its own, as stored on the arrangement's row."""
    columns = []
    for basis in COUNTED_BASES:
        columns += [
            Column(
                f"savings_{basis}_at_least",
                "number",
                f"Its {basis} money savings alone add up to at least this, in pounds "
                "(0.00 when it has none).",
                required=True,
                money=True,
            ),
            Column(
                f"savings_{basis}_at_most",
                "number",
                f"...and to at most this; empty when an 'over' or 'at least' {basis} "
                "figure leaves it open-ended.",
                money=True,
            ),
            Column(
                f"savings_{basis}_approximate",
                "boolean",
                f"An 'about' or 'average' figure is in the {basis} sum.",
                required=True,
            ),
        ]
    return tuple(columns)


ARRANGEMENTS = Table(
    "arrangements",
    "Arrangements",
    "Shared-service arrangements, programmes and workstreams that the public may see.",
    (
        Column(
            "slug",
            "string",
            "Its identifier, and its address on the site: /arrangements/<slug>/.",
            required=True,
            pattern=SLUG_PATTERN,
            max_length=200,
        ),
        Column("title", "string", "Its title.", required=True, max_length=200),
        Column("summary", "string", "One or two sentences."),
        Column("description", "string", "What it is."),
        Column(
            "kind",
            "string",
            "What kind of arrangement.",
            required=True,
            enum=_choices(Kind.choices),
        ),
        Column("kind_label", "string", "The kind, in words.", required=True),
        Column(
            "status",
            "string",
            "Where it stands. " + HEADLINE_RULE,
            required=True,
            enum=_choices(Status.choices),
        ),
        Column("status_label", "string", "The status, in words.", required=True),
        Column(
            "partnership",
            "string",
            "The slug of the standing group that sponsors it, if any.",
            pattern=SLUG_PATTERN,
        ),
        Column(
            "parent",
            "string",
            "For a workstream, the slug of its programme.",
            pattern=SLUG_PATTERN,
        ),
        Column(
            "service_areas",
            "list",
            "The slugs of its service areas, separated by semicolons.",
            pattern=SLUG_PATTERN,
            delimiter=";",
        ),
        Column(
            "lead",
            "string",
            "The code of its lead authority, if any (memberships has every partner).",
            pattern=AUTHORITY_CODE_PATTERN,
        ),
        Column(
            "partner_count",
            "integer",
            "Members taking part: lead, host or partner (not prospective, joining or withdrawn).",
            required=True,
            minimum=0,
        ),
        Column("governance", "string", "Who runs it."),
        Column(
            "start_date",
            "date",
            "When it started or is to start: the first day of the period start_precision names.",
        ),
        Column(
            "start_precision",
            "string",
            "How exact start_date is: day, month, season or year.",
            required=True,
            enum=PRECISIONS,
        ),
        Column("start_text", "string", "The start as the pages give it, e.g. 'April 2012'."),
        Column("end_date", "date", "When it ended or is to end, as start_date."),
        Column(
            "end_precision",
            "string",
            "How exact end_date is.",
            required=True,
            enum=PRECISIONS,
        ),
        Column("end_text", "string", "The end as the pages give it."),
        Column("review_date", "date", "When the partners have agreed to review it."),
        Column("break_date", "date", "The next date on which a partner may leave."),
        Column("how_to_leave", "string", "How a partner may leave, as the agreement states."),
        Column("objectives", "list", "Its objectives, one per line.", delimiter="\n"),
        Column("benefits", "list", "Its non-financial benefits, one per line.", delimiter="\n"),
        Column("barriers", "list", "Barriers met, one per line.", delimiter="\n"),
        Column(
            "open_to_members",
            "boolean",
            "Whether the partners would welcome other councils into it.",
            required=True,
        ),
        Column(
            "contact_role",
            "string",
            "The role to contact about joining (only when it welcomes new members).",
            max_length=120,
        ),
        Column(
            "contact_email",
            "string",
            "A team's shared mailbox to contact about joining.",
            max_length=254,
        ),
        Column(
            "savings_text",
            "string",
            "Its savings, in words, qualifiers kept ('at least £2,600,000', '£10,000 to "
            "£45,000', 'None recorded'): " + SAVINGS_COUNTED,
            required=True,
        ),
        Column(
            "savings_at_least",
            "number",
            "The savings of savings_text (all three bases added) add up to at least this, "
            "in pounds.",
            required=True,
            money=True,
        ),
        Column(
            "savings_at_most",
            "number",
            "...and to at most this; empty when an 'over' or 'at least' figure leaves it "
            "open-ended.",
            money=True,
        ),
        Column(
            "savings_approximate",
            "boolean",
            "An 'about' or 'average' figure is in the sum.",
            required=True,
        ),
        Column(
            "savings_money_figures",
            "integer",
            "How many money figures the sum adds up.",
            required=True,
            minimum=0,
        ),
        Column(
            "savings_percentage_figures",
            "integer",
            "How many savings given only as a percentage come with it: counted, never added "
            "to the pounds.",
            required=True,
            minimum=0,
        ),
        Column(
            "savings_count_in_headline",
            "boolean",
            "Whether its savings count in headline totals (it is going ahead).",
            required=True,
        ),
        *_basis_columns(),
        Column(
            "updated_at",
            "datetime",
            "When its record last changed (UTC).",
            required=True,
        ),
    ),
    ("slug",),
    (
        _fk("parent", "", "slug"),
        _fk("lead", "authorities", "code"),
    ),
)

MEMBERSHIPS = Table(
    "memberships",
    "Memberships",
    "Which authority takes part in which arrangement, and in what role.",
    (
        Column(
            "arrangement",
            "string",
            "The arrangement's slug.",
            required=True,
            pattern=SLUG_PATTERN,
        ),
        Column(
            "authority",
            "string",
            "The authority's code.",
            required=True,
            pattern=AUTHORITY_CODE_PATTERN,
        ),
        Column(
            "role",
            "string",
            "Its role.",
            required=True,
            enum=_choices(Membership.Role.choices),
        ),
        Column("role_label", "string", "The role, in words.", required=True),
        Column("lead", "boolean", "Whether it is the lead authority.", required=True),
        Column(
            "taking_part",
            "boolean",
            "Lead, host or partner: counted as taking part.",
            required=True,
        ),
        Column("start_date", "date", "When it joined."),
        Column("end_date", "date", "When it left."),
        Column(
            "inferred",
            "boolean",
            "The source implies this partner but does not name it (the register's "
            "inference; note says why).",
            required=True,
        ),
        Column("note", "string", "A note on its part."),
    ),
    ("arrangement", "authority"),
    (
        _fk("arrangement", "arrangements", "slug"),
        _fk("authority", "authorities", "code"),
    ),
)

SAVINGS = Table(
    "savings",
    "Savings",
    "Each saving as its source states it, with its qualifier and basis: a target is an "
    "aim, never a saving; an 'up to' figure is at most that much. " + HEADLINE_RULE,
    (
        Column("id", "integer", "The saving's number in the register.", required=True),
        Column(
            "arrangement",
            "string",
            "The arrangement's slug.",
            required=True,
            pattern=SLUG_PATTERN,
        ),
        Column(
            "whose",
            "string",
            "'whole_arrangement': the whole arrangement's (a partnership-wide figure, never "
            "one member's); 'authority': one named authority's own.",
            required=True,
            enum=("whole_arrangement", "authority"),
        ),
        Column(
            "authority",
            "string",
            "The code of the authority whose own saving it is; empty for the whole arrangement's.",
            pattern=AUTHORITY_CODE_PATTERN,
        ),
        Column(
            "text",
            "string",
            "As the pages show it: 'over £700,000 (2.5% of fostering spend)', 'up to 35%'.",
            required=True,
        ),
        Column(
            "text_with_basis",
            "string",
            "The same with its basis: '£1.9m, estimated'.",
            required=True,
        ),
        Column(
            "amount",
            "number",
            "In pounds; empty for a saving given only as a percentage.",
            money=True,
        ),
        Column("percentage", "number", "As a percentage, where given.", minimum=0, maximum=100),
        Column("percentage_of", "string", "What the percentage is of, in the source's words."),
        Column(
            "qualifier",
            "string",
            "As the source words it: 'over', 'up to', 'about'...",
            required=True,
            enum=_choices(Saving.Qualifier.choices),
        ),
        Column("qualifier_label", "string", "The qualifier, in words.", required=True),
        Column("stated", "string", "The figure in the source's own words, e.g. '£1.9m'."),
        Column(
            "basis",
            "string",
            "Target (an aim, never counted), estimated, forecast or achieved.",
            required=True,
            enum=_choices(Saving.Basis.choices),
        ),
        Column("basis_label", "string", "The basis, in words.", required=True),
        Column(
            "period",
            "string",
            "The period it covers.",
            required=True,
            enum=_choices(Saving.Period.choices),
        ),
        Column("period_label", "string", "The period, in words.", required=True),
        Column(
            "financial_year",
            "integer",
            "The financial year, as the year it starts: 2012 for 2012/13.",
            minimum=1990,
            maximum=2100,
        ),
        Column("financial_year_label", "string", "'2012/13'; empty when none is given."),
        Column(
            "cashable",
            "boolean",
            "Whether it reduces spending; empty when the source does not say.",
        ),
        Column("description", "string", "What it is."),
        Column(
            "counts_in_headline",
            "boolean",
            "Whether it counts in headline totals: a money figure, not a target, of an "
            "arrangement going ahead.",
            required=True,
        ),
        Column("source", "string", "The slug of its source document, if recorded."),
    ),
    ("id",),
    (
        _fk("arrangement", "arrangements", "slug"),
        _fk("authority", "authorities", "code"),
    ),
)

TABLES = (SERVICE_AREAS, AUTHORITIES, ARRANGEMENTS, MEMBERSHIPS, SAVINGS)


def json_schema(version_pattern: str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$") -> dict:
    """The JSON Schema of register.json."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Shared Services Register release",
        "description": "The whole public register on one day: the same tables as the CSV "
        "files of the release, each a list of records. Money is a string with two decimal "
        "places.",
        "type": "object",
        "properties": {
            "name": {"const": PACKAGE_NAME},
            "version": {"type": "string", "pattern": version_pattern},
            "schema_version": {"const": SCHEMA_VERSION},
            **{table.name: table.json_schema() for table in TABLES},
        },
        "required": ["name", "version", "schema_version", *(t.name for t in TABLES)],
        "additionalProperties": False,
    }


# --- The admin's import, checked against the same columns --------------------------------
#
# The admin imports arrangements and savings from CSV or Excel (register.importers). Its
# columns are those of the release's arrangements and savings tables that one enters
# (the release's other columns are worked out by the register: labels, counts, totals),
# with the same names, types and allowed values, plus two the release never has:
# ``partners`` (the release has them as memberships) and ``exempt``. Each cell is checked
# against its column before the row is imported. Where the import is more forgiving
# than the release, it says so here: a yes-or-no column also takes 1 or 0, yes or no (as
# the admin's export writes them), and a column with a default may be left empty.

YES_OR_NO = {
    "true_values": ("true", "1", "yes", "y"),
    "false_values": ("false", "0", "no", "n"),
}


def _import_columns(table: Table, names, required=(), extra=()) -> dict[str, Column]:
    """The import's columns, in the order of its export and template: ``names`` are
    those of the release's ``table``, or of the ``extra`` columns releases never have."""
    extras = {column.name: column for column in extra}
    columns = {}
    for name in names:
        column = extras.get(name) or replace(table.column(name), required=name in required)
        if column.type == "boolean":
            column = replace(column, **YES_OR_NO)
        columns[name] = column
    if set(extras) - set(columns):
        raise ValueError(f"Extra columns not in the order: {set(extras) - set(columns)}")
    return columns


ARRANGEMENT_IMPORT = _import_columns(
    ARRANGEMENTS,
    (
        "slug",
        "title",
        "summary",
        "description",
        "kind",
        "status",
        "partnership",
        "parent",
        "service_areas",
        "partners",
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
        "exempt",
        "open_to_members",
        "contact_role",
        "contact_email",
    ),
    required=("slug", "title", "kind", "status"),
    extra=(
        Column(
            "partners",
            "string",
            "Its partners as code:role, separated by semicolons: 'CLD:lead;KIR:partner'.",
        ),
        Column(
            "exempt",
            "boolean",
            "Exempt information under Schedule 12A: hidden from the public.",
            required=True,
            **YES_OR_NO,
        ),
    ),
)

SAVING_IMPORT = _import_columns(
    SAVINGS,
    (
        "id",
        "arrangement",
        "authority",
        "amount",
        "percentage",
        "percentage_of",
        "qualifier",
        "period",
        "financial_year",
        "basis",
        "cashable",
        "description",
        "source",
    ),
    required=("arrangement", "basis"),
)


def row_problems(columns: dict[str, Column], row) -> dict[str, str]:
    """What is wrong with each cell of an imported row (a mapping of column name to
    value) that ``columns`` knows, by column name."""
    problems = {}
    for name, value in row.items():
        column = columns.get(name)
        if column is None:
            continue
        problem = cell_problem(column, value)
        if problem:
            problems[name] = problem
    return problems


DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def cell_problem(column: Column, value) -> str | None:
    """What is wrong with ``value`` as a cell of ``column``, in words; None if nothing.

    ``value`` is a CSV cell (text) or an Excel one (text, a number, a date, a boolean).
    An empty cell is None or blank text."""
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if column.required:
            if column.type == "boolean":
                return (
                    "A blank cell is neither yes (1) nor no (0): write 1 or 0."
                    if "1" in column.true_values
                    else "A blank cell: write true or false."
                )
            return "This column must be filled in."
        return None
    if column.type == "boolean":
        return _boolean_problem(column, value)
    if column.type == "date":
        return _date_problem(value)
    if column.type in ("integer", "number"):
        return _number_problem(column, value)
    if column.type == "list":
        items = [item.strip() for item in str(value).split(column.delimiter) if item.strip()]
        if column.pattern:
            bad = [item for item in items if not re.match(column.pattern, item)]
            if bad:
                return f"'{bad[0]}' is not a slug. {SLUG_RULE}"
        return None
    text = str(value)
    if column.enum and text not in column.enum:
        return f"'{text}' is not a valid choice: use one of {', '.join(column.enum)}."
    if column.max_length is not None and len(text) > column.max_length:
        return f"It is {len(text)} characters long; at most {column.max_length} are allowed."
    if column.pattern and not re.match(column.pattern, text):
        if column.pattern == SLUG_PATTERN:
            return f"'{text}' is not a slug. {SLUG_RULE}"
        return f"'{text}' is not in the form this column takes ({column.pattern})."
    return None


def _boolean_problem(column: Column, value) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value in (0, 1):
        return None
    text = str(value).strip().lower()
    if text in column.true_values or text in column.false_values:
        return None
    if "1" in column.true_values:
        return f"'{value}' is neither yes (1) nor no (0): write 1 or 0."
    return f"'{value}' is neither true nor false."


def _date_problem(value) -> str | None:
    if isinstance(value, datetime.datetime):
        return (
            None
            if value.time() == datetime.time(0)
            else (f"'{value}' has a time of day: give the date alone, e.g. 2012-04-01.")
        )
    if isinstance(value, datetime.date):
        return None
    text = str(value)
    try:
        if DATE_RE.match(text):
            datetime.date.fromisoformat(text)
            return None
    except ValueError:
        pass
    return f"'{text}' is not a date written year-month-day, e.g. 2012-04-01."


def _number_problem(column: Column, value) -> str | None:
    if isinstance(value, bool):
        return f"'{value}' is not a number."
    try:
        number = Decimal(str(value)) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        return f"'{value}' is not a number."
    if not number.is_finite():
        return f"'{value}' is not a number."
    if column.type == "integer" and number != number.to_integral_value():
        return f"'{value}' is not a whole number."
    if column.minimum is not None and number < column.minimum:
        return f"{value} is less than {column.minimum}."
    if column.maximum is not None and number > column.maximum:
        return f"{value} is more than {column.maximum}."
    return None
