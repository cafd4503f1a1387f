"""Importing nominees (staff of a unit, households of a hamlet, collectives) and past awards from
an XLSX or CSV file (nhập danh sách từ tệp), and the templates to fill.

All or nothing: every row is checked first — against the file's other rows and against the
database, loaded once (the authority's units, nominees and award history), never a select per row —
and any bad row refuses the whole file with 422 ``details.rows: [{row, column, message}]`` naming
each. A good file is written in one transaction with one audit entry (``nominee.import`` /
``award_record.import``) carrying the count and the new ids, as the demo loader records its load.

Limits: the request size (``UPLOAD_MAX_MB``, 413 before parsing, see the API), the XLSX unpacked
size (the attachments' Office-package check), and :data:`MAX_ROWS` data rows — a longer file is
refused with one message once the reader passes the cap (it stops reading there: a 50,000-row file
never sits in memory). Duplicates: staff = same name + birth year + unit; household = same head of
household + hamlet; collective = same name + unit (names compared without case and extra spaces).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.audit import services as audit
from workflow.catalog.models import AwardType
from workflow.documents import spreadsheets
from workflow.errors import Forbidden, Invalid, NotFound, field_error
from workflow.org import policies
from workflow.org.labels import NOMINEE_KIND_LABELS
from workflow.org.models import Authority, AwardRecord, Nominee, Unit, User
from workflow.org.vocab import NomineeKind, Role
from workflow.validation import has_control

KINDS = ("individual", "household", "collective", "mixed", "awards")
MAX_ROWS = 10_000  # data rows of one file; more is refused (split the file)
MAX_REPORTED = 1000  # errors listed in one answer; the message says when there were more
# the words a cell may use for a gender, folded (see ``spreadsheets.fold_header``)
GENDER_WORDS = {"nam": "male", "male": "male", "m": "male", "ong": "male",
                "nu": "female", "female": "female", "f": "female", "ba": "female",
                "khac": "other", "other": "other"}


@dataclass(frozen=True)
class Field:
    """A column of an import file: its key, the Vietnamese and English headers (both accepted,
    with other spellings in ``aliases``), whether it is required, and a hint for the template."""

    key: str
    vi: str
    en: str
    required: bool = False
    hint: str = ""
    width: int = 22
    aliases: tuple[str, ...] = ()


FIELDS: dict[str, tuple[Field, ...]] = {
    "individual": (
        Field("name", "Họ và tên", "Full name", True, _l("The person's full name."), 28, ("Họ tên", "Tên")),
        Field("birth_year", "Năm sinh", "Birth year", False, _l("Four digits, e.g. 1985."), 12),
        Field("gender", "Giới tính", "Gender", False, _l("Nam, Nữ or Khác."), 12),
        Field("position", "Chức vụ", "Position", False, _l("The post held, e.g. Giáo viên."), 24),
        Field("unit_code", "Mã đơn vị", "Unit code", False,
              _l("The unit's code (or its name); may stay empty when the unit is chosen on upload."), 18,
              ("Đơn vị", "Unit")),
    ),
    "household": (
        Field("head_name", "Chủ hộ", "Head of household", True, _l("The head of household's full name."), 28,
              ("Họ tên chủ hộ", "Household head")),
        Field("gender", "Giới tính chủ hộ", "Head's gender", False, _l("Nam, Nữ or Khác."), 16,
              ("Giới tính", "Gender")),
        Field("name", "Tên hộ", "Household name", False,
              _l("Optional; by default “Hộ ông/bà” and the head's name."), 28),
        Field("unit_code", "Mã thôn/xóm", "Hamlet code", False,
              _l("The hamlet's code (or its name); may stay empty when the hamlet is chosen on upload."), 18,
              ("Mã xóm", "Mã thôn", "Thôn/xóm", "Xóm", "Thôn", "Hamlet", "Mã đơn vị", "Unit code")),
    ),
    "collective": (
        Field("name", "Tên tập thể", "Collective name", True, _l("The collective's name."), 32, ("Tên", "Name")),
        Field("unit_code", "Mã đơn vị", "Unit code", False, _l("The unit it is, or belongs to (code or name)."), 18,
              ("Đơn vị", "Unit")),
    ),
    # one file of several kinds, a kind column per row (the fields of ``POST /nominees``)
    "mixed": (
        Field("kind", "Loại đối tượng", "Kind", True, _l("Cá nhân, Tập thể or Hộ gia đình."), 16,
              ("Loại", "Nominee kind")),
        Field("name", "Tên", "Name", False, _l("The person's, the collective's or the household's name."), 28,
              ("Họ và tên", "Họ tên", "Full name", "Tên tập thể", "Tên hộ")),
        Field("head_name", "Chủ hộ", "Head of household", False, _l("The head of household's full name."), 26),
        Field("birth_year", "Năm sinh", "Birth year", False, _l("Four digits, e.g. 1985."), 12),
        Field("gender", "Giới tính", "Gender", False, _l("Nam, Nữ or Khác."), 12),
        Field("position", "Chức vụ", "Position", False, _l("The post held, e.g. Giáo viên."), 24),
        Field("unit_code", "Mã đơn vị", "Unit code", False,
              _l("The unit's code (or its name); may stay empty when the unit is chosen on upload."), 18,
              ("Đơn vị", "Unit", "Mã thôn/xóm")),
    ),
    "awards": (
        Field("nominee_id", "Mã đối tượng", "Nominee ID", False,
              _l("The nominee's number in the system; or leave it empty and give the name."), 14, ("ID",)),
        Field("name", "Họ và tên", "Name", False,
              _l("The person's name, the head of household or the collective's name."), 28,
              ("Họ tên", "Tên", "Chủ hộ", "Tên tập thể", "Full name")),
        Field("birth_year", "Năm sinh", "Birth year", False, _l("Tells two people of one name apart."), 12),
        Field("unit_code", "Mã đơn vị", "Unit code", False, _l("Tells two people of one name apart."), 16,
              ("Đơn vị", "Unit", "Mã thôn/xóm")),
        Field("award_type_code", "Mã danh hiệu", "Award type code", True, _l("e.g. LDTT, CSTDCS, GDVH, GK_XA."), 18,
              ("Mã hình thức khen thưởng", "Award type", "Danh hiệu")),
        Field("year", "Năm", "Year", True, _l("The year of the award."), 10, ("Năm khen thưởng",)),
        Field("decision_number", "Số quyết định", "Decision number", True, _l("e.g. 125/QĐ-UBND."), 20,
              ("Số QĐ",)),
        Field("decision_date", "Ngày quyết định", "Decision date", False, _l("dd/mm/yyyy."), 16, ("Ngày QĐ",)),
    ),
}
KIND_TITLES = {"individual": _l("Staff"), "household": _l("Households"), "collective": _l("Collectives"),
               "mixed": _l("Nominees of several kinds"), "awards": _l("Past awards")}
TEMPLATE_FILES = {"individual": "mau-nhap-can-bo", "household": "mau-nhap-ho-gia-dinh",
                  "collective": "mau-nhap-tap-the", "mixed": "mau-nhap-doi-tuong",
                  "awards": "mau-nhap-khen-thuong"}
# the words a kind cell may use, folded
KIND_WORDS = {"individual": "individual", "ca nhan": "individual", "can bo": "individual",
              "collective": "collective", "tap the": "collective",
              "household": "household", "ho gia dinh": "household", "ho": "household", "gia dinh": "household"}
EXAMPLES = {
    "individual": ("Ma Văn Thành", "1985", "Nam", "Giáo viên", "DB-THCS"),
    "household": ("Hoàng Văn Lâm", "Nam", "", "DB-NATO"),
    "collective": ("Tổ chuyên môn Toán", "DB-THCS"),
    "mixed": ("Cá nhân", "Ma Văn Thành", "", "1985", "Nam", "Giáo viên", "DB-THCS"),
    "awards": ("", "Ma Văn Thành", "1985", "DB-THCS", "LDTT", "2022", "125/QĐ-UBND", "20/12/2022"),
}


def fold(text: str) -> str:
    """A name as compared for duplicates: NFC, case folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def _error(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": str(message)}


def _refuse(errors: list[dict], total: int | None = None):
    total = len(errors) if total is None else total
    shown = errors[:MAX_REPORTED]
    message = _("Nothing was imported: %(count)d problem(s) in the file.", count=total)
    if total > len(shown):
        message += " " + _("The first %(shown)d are listed.", shown=len(shown))
    return Invalid(message, details={"rows": shown, "total": total}, code="import_rejected")


# --- reading the header ---------------------------------------------------------------------------

def _header_map(kind: str) -> dict[str, Field]:
    names = {}
    for field in FIELDS[kind]:
        for name in (field.vi, field.en, field.key, *field.aliases):
            names.setdefault(spreadsheets.fold_header(name), field)
    return names


def detect_kind(header: list[str]) -> str:
    """The kind of file its header shows: a kind column → nominees of several kinds; an award
    type → past awards; a head of household → households; a collective's name → collectives;
    otherwise staff."""
    folded = {spreadsheets.fold_header(h) for h in header}
    if folded & {spreadsheets.fold_header(n) for n in ("Loại đối tượng", "Loại", "Kind", "Nominee kind")}:
        return "mixed"
    if folded & {spreadsheets.fold_header(n) for n in ("Mã danh hiệu", "Award type code", "award_type_code",
                                                       "Số quyết định", "Decision number")}:
        return "awards"
    if folded & {spreadsheets.fold_header(n) for n in ("Chủ hộ", "Head of household", "head_name",
                                                       "Household head", "Họ tên chủ hộ")}:
        return NomineeKind.HOUSEHOLD
    if folded & {spreadsheets.fold_header(n) for n in ("Tên tập thể", "Collective name")}:
        return NomineeKind.COLLECTIVE
    return NomineeKind.INDIVIDUAL


def _columns(kind: str, header: list[str], unit_given: bool, errors: list[dict]) -> dict[str, int]:
    """``{field key: column index}``; a header error for each unknown, repeated or missing column."""
    names, found = _header_map(kind), {}
    for index, text in enumerate(header):
        if not text:
            continue
        field = names.get(spreadsheets.fold_header(text))
        if field is None:
            errors.append(_error(1, text, _("Unknown column “%(name)s”. The columns are: %(names)s.", name=text,
                                            names=", ".join(f.vi for f in FIELDS[kind]))))
        elif field.key in found:
            errors.append(_error(1, text, _("The column “%(name)s” appears twice.", name=text)))
        else:
            found[field.key] = index
    for field in FIELDS[kind]:
        needed = field.required or (field.key == "unit_code" and kind == NomineeKind.HOUSEHOLD and not unit_given)
        if needed and field.key not in found:
            errors.append(_error(1, field.vi, _("The column “%(name)s” is missing.", name=field.vi)))
    if kind == "awards" and "nominee_id" not in found and "name" not in found:
        errors.append(_error(1, FIELDS["awards"][1].vi,
                             _("Give the nominee ID or the name column to say whose award each row is.")))
    return found


# --- the context loaded once ----------------------------------------------------------------------

@dataclass
class _Context:
    actor: User
    authority: Authority
    unit: Unit | None
    units_by_code: dict[str, Unit]
    units_by_name: dict[str, list[Unit]]
    kind: str
    this_year: int


# Stays whole (long or radon D+): the import's scope rules (kind, authority in scope, who may import what, the
# unit) in the order their refusals answer.
def _scope(session: Session, actor: User, authority_code: str, unit_code: str | None, kind: str) -> _Context:
    if kind not in KINDS:
        raise field_error("kind", _("Must be one of: %(values)s.", values=", ".join(KINDS)))
    authority = session.scalar(select(Authority).where(Authority.code == authority_code)) if authority_code else None
    visible = policies.scope_authority_ids(session, actor)
    nominator_units = {r.unit_id for r in actor.roles if r.role == Role.NOMINATOR and r.unit_id}
    if authority is None or (visible is not None and authority.id not in visible):
        if not authority_code:
            raise field_error("authority_code", _("Give the authority code."))
        raise NotFound(_("Unknown authority: %(code)s.", code=authority_code))
    units = list(session.scalars(select(Unit).where(Unit.authority_id == authority.id)))
    officer = policies.can_create_nominee(actor, authority.id, None)
    if kind == "awards":
        if not policies.can_record_past_award(actor, Nominee(authority_id=authority.id)):
            raise Forbidden(_("Only the secretary may enter past awards."))
    elif not officer and not any(u.id in nominator_units for u in units):
        raise Forbidden(_("You may not register nominees for this authority."))
    unit = None
    if unit_code:
        unit = next((u for u in units if u.code == unit_code), None)
        if unit is None or not policies.can_create_nominee(actor, authority.id, unit.id):
            raise field_error("unit_code", _("Unknown unit: %(code)s.", code=unit_code))
        if kind == NomineeKind.HOUSEHOLD and unit.kind != "hamlet":
            raise field_error("unit_code", _("Households belong to a hamlet; %(unit)s is not one.", unit=unit.name))
    by_name: dict[str, list[Unit]] = {}
    for u in units:
        by_name.setdefault(fold(u.name), []).append(u)
    return _Context(actor, authority, unit, {u.code: u for u in units}, by_name, kind, vntime.today().year)


def _find_unit(ctx: _Context, value: str, row: int, column: str, errors: list[dict]) -> Unit | None:
    if not value:
        return ctx.unit
    unit = ctx.units_by_code.get(value)
    if unit is None:
        named = ctx.units_by_name.get(fold(value), [])
        unit = named[0] if len(named) == 1 else None
    if unit is None or not policies.can_create_nominee(ctx.actor, ctx.authority.id, unit.id) and ctx.kind != "awards":
        errors.append(_error(row, column, _("Unknown unit: %(code)s.", code=value)))
        return None
    if ctx.unit is not None and unit.id != ctx.unit.id:
        errors.append(_error(row, column, _("The row names %(unit)s, but the file is imported for %(chosen)s.",
                                            unit=unit.name, chosen=ctx.unit.name)))
        return None
    return unit


def _year(value: str, low: int, high: int, row: int, column: str, errors: list[dict], message: str) -> int | None:
    if not value:
        return None
    try:
        year = int(value)
    except ValueError:
        year = None
    if year is None or not low <= year <= high:
        errors.append(_error(row, column, message))
        return None
    return year


def _text(value: str, limit: int, row: int, column: str, errors: list[dict]) -> str | None:
    if has_control(value):
        errors.append(_error(row, column, _("The cell holds a control character.")))
        return None
    if len(value) > limit:
        errors.append(_error(row, column, _("At most %(n)d characters.", n=limit)))
        return None
    return value


def _date(value: str, row: int, column: str, errors: list[dict]) -> date | None:
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            day = datetime.strptime(value[:10] if pattern == "%Y-%m-%d" else value, pattern).date()
        except ValueError:
            continue
        if date(1946, 1, 1) <= day <= vntime.today():
            return day
        break
    errors.append(_error(row, column, _("Not a date (dd/mm/yyyy) between 1946 and today.")))
    return None


# --- nominees -------------------------------------------------------------------------------------

HOUSEHOLD_PREFIXES = ("hộ gia đình ông ", "hộ gia đình bà ", "hộ gia đình ", "hộ ông ", "hộ bà ", "hộ ")


def _household_head(name: str) -> str:
    """The head's name in a household's name registered without a head ("Hộ ông Hoàng Văn Lâm")."""
    folded = fold(name)
    for prefix in HOUSEHOLD_PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix):]
    return folded


def _duplicate_key(kind: str, name: str, head: str | None, birth_year: int | None, unit_id: int | None):
    if kind == NomineeKind.HOUSEHOLD:
        return (NomineeKind.HOUSEHOLD, fold(head) if head else _household_head(name), unit_id)
    if kind == NomineeKind.COLLECTIVE:
        return (NomineeKind.COLLECTIVE, fold(name), unit_id)
    return (NomineeKind.INDIVIDUAL, fold(name), birth_year, unit_id)


def _reader(columns: dict[str, int], cells: list) -> Callable[[str], str]:
    """``cell(key)``: the row's cell of the column ``key``, "" when the sheet has no such column
    or the row is shorter."""
    def cell(key: str) -> str:
        return cells[columns[key]] if key in columns and columns[key] < len(cells) else ""

    return cell


# Stays whole (long or radon D+): one pass over the sheet's rows, every cell checked in column order so a
# row's errors come out as the user reads the row.
def _check_nominees(session: Session, ctx: _Context, header, rows, errors: list[dict]) -> list[Nominee]:
    kind, columns = ctx.kind, _columns(ctx.kind, header, ctx.unit is not None, errors)
    if errors:
        return []
    labels = {f.key: header[columns[f.key]] for f in FIELDS[kind] if f.key in columns}
    existing = {}
    for n in session.execute(select(Nominee.id, Nominee.kind, Nominee.name, Nominee.head_name, Nominee.birth_year,
                                    Nominee.unit_id).where(Nominee.authority_id == ctx.authority.id)):
        existing.setdefault(_duplicate_key(n.kind, n.name, n.head_name, n.birth_year, n.unit_id), n.id)
    seen: dict[tuple, int] = {}
    made = []
    for number, cells in rows:
        cell = _reader(columns, cells)
        before = len(errors)
        row_kind = kind
        if kind == "mixed":
            row_kind = KIND_WORDS.get(spreadsheets.fold_header(cell("kind")))
            if row_kind is None:
                errors.append(_error(number, labels["kind"], _("The kind is Cá nhân, Tập thể or Hộ gia đình.")))
                continue
        unit = _find_unit(ctx, cell("unit_code"), number, labels.get("unit_code", ""), errors)
        if unit is None and len(errors) == before and (
                row_kind == NomineeKind.HOUSEHOLD or not policies.can_create_nominee(ctx.actor, ctx.authority.id, None)):
            errors.append(_error(number, labels.get("unit_code", FIELDS[kind][-1].vi),  # the unit column
                                 _("Give the unit of this row.")))
        if unit is not None and row_kind == NomineeKind.HOUSEHOLD and unit.kind != "hamlet":
            errors.append(_error(number, labels["unit_code"],
                                 _("Households belong to a hamlet; %(unit)s is not one.", unit=unit.name)))
        gender = None
        if cell("gender"):
            gender = GENDER_WORDS.get(spreadsheets.fold_header(cell("gender")))
            if gender is None:
                errors.append(_error(number, labels["gender"], _("The gender is Nam, Nữ or Khác.")))
        birth_year = _year(cell("birth_year"), 1901, ctx.this_year, number, labels.get("birth_year", ""), errors,
                           _("The birth year must lie between 1901 and %(y)d.", y=ctx.this_year))
        position = _text(cell("position"), 200, number, labels.get("position", ""), errors) or None
        head = None
        if row_kind == NomineeKind.HOUSEHOLD:
            head = _text(cell("head_name"), 200, number, labels.get("head_name", ""), errors)
            name = _text(cell("name"), 200, number, labels.get("name", ""), errors)
            if head == "" and (kind == NomineeKind.HOUSEHOLD or not name):
                errors.append(_error(number, labels.get("head_name", labels.get("name", "")),
                                     _("The head of household is required.")))
            if not name and head:
                title = {"male": "ông", "female": "bà"}.get(gender or "")
                name = f"Hộ {title} {head}" if title else f"Hộ {head}"
        else:
            name = _text(cell("name"), 200, number, labels.get("name", FIELDS[kind][0].vi), errors)
            if name == "":
                errors.append(_error(number, labels.get("name", FIELDS["mixed"][1].vi), _("A name is required.")))
        if len(errors) > before:
            continue
        key = _duplicate_key(row_kind, name, head, birth_year, unit.id if unit else None)
        column = labels.get("head_name") if row_kind == NomineeKind.HOUSEHOLD and head else labels.get("name", "")
        if key in seen:
            errors.append(_error(number, column, _("The same nominee as row %(row)d.", row=seen[key])))
            continue
        if key in existing:
            errors.append(_error(number, column, _("Already registered (nominee %(id)d).", id=existing[key])))
            continue
        seen[key] = number
        made.append(Nominee(kind=row_kind, name=" ".join(name.split()), authority_id=ctx.authority.id,
                            unit_id=unit.id if unit else None, position=position, birth_year=birth_year,
                            gender=gender, head_name=" ".join(head.split()) if head else None))
    return made


# --- past awards ----------------------------------------------------------------------------------

# Stays whole (long or radon D+): one pass over the sheet's rows, every cell checked in column order (as
# _check_nominees).
def _check_awards(session: Session, ctx: _Context, header, rows, errors: list[dict]) -> list[AwardRecord]:
    columns = _columns("awards", header, ctx.unit is not None, errors)
    if errors:
        return []
    labels = {f.key: header[columns[f.key]] for f in FIELDS["awards"] if f.key in columns}
    nominees = {n.id: n for n in session.execute(
        select(Nominee.id, Nominee.kind, Nominee.name, Nominee.head_name, Nominee.birth_year, Nominee.unit_id)
        .where(Nominee.authority_id == ctx.authority.id))}
    by_name: dict[str, list] = {}
    for n in nominees.values():
        for text in {fold(n.name), fold(n.head_name or "")} - {""}:
            by_name.setdefault(text, []).append(n)
    kinds_of: dict[str, set[str]] = {}
    for code, kinds in session.execute(select(AwardType.code, AwardType.nominee_kinds)):
        kinds_of.setdefault(code, set()).update(kinds or ())
    existing = set(session.execute(
        select(AwardRecord.nominee_id, AwardRecord.award_type_code, AwardRecord.year, AwardRecord.decision_number)
        .join(Nominee, Nominee.id == AwardRecord.nominee_id).where(Nominee.authority_id == ctx.authority.id)).all())
    seen: dict[tuple, int] = {}
    made = []
    for number, cells in rows:
        cell = _reader(columns, cells)
        before = len(errors)
        nominee = _whose(ctx, nominees, by_name, cell, labels, number, errors)
        code = cell("award_type_code").strip()
        if not code:
            errors.append(_error(number, labels["award_type_code"], _("The award type code is required.")))
        elif code not in kinds_of:
            errors.append(_error(number, labels["award_type_code"], _("Unknown award type: %(code)s.", code=code)))
        elif nominee is not None and nominee.kind not in kinds_of[code]:
            errors.append(_error(number, labels["award_type_code"], _(
                "This award cannot be given to a %(kind)s.", kind=NOMINEE_KIND_LABELS[nominee.kind])))
        year = _year(cell("year"), 1946, ctx.this_year, number, labels["year"], errors,
                     _("The year must lie between 1946 and %(y)d.", y=ctx.this_year))
        if year is None and not cell("year"):
            errors.append(_error(number, labels["year"], _("Give the year.")))
        decision = _text(cell("decision_number"), 60, number, labels["decision_number"], errors)
        if decision == "":
            errors.append(_error(number, labels["decision_number"], _("The decision number is required.")))
        decided_on = _date(cell("decision_date"), number, labels.get("decision_date", ""), errors)
        if len(errors) > before:
            continue
        key = (nominee.id, code, year, decision)
        if key in seen:
            errors.append(_error(number, labels["decision_number"], _("The same award as row %(row)d.", row=seen[key])))
            continue
        if key in existing:
            errors.append(_error(number, labels["decision_number"], _("This award is already in the history.")))
            continue
        seen[key] = number
        made.append(AwardRecord(nominee_id=nominee.id, award_type_code=code, year=year, decision_number=decision,
                                decision_date=decided_on, source="manual", recorded_by_id=ctx.actor.id))
    return made


def _whose(ctx: _Context, nominees: dict, by_name: dict, cell, labels: dict, number: int, errors: list[dict]):
    """The nominee a past-award row is about: by its ID, else by name (with unit and birth year
    to tell namesakes apart); an error naming the column otherwise."""
    if cell("nominee_id"):
        column = labels["nominee_id"]
        try:
            nominee = nominees.get(int(cell("nominee_id")))
        except ValueError:
            nominee = None
        if nominee is None or (ctx.unit is not None and nominee.unit_id != ctx.unit.id):
            errors.append(_error(number, column, _("Unknown nominee: %(id)s.", id=cell("nominee_id"))))
            return None
        return nominee
    column = labels.get("name", "")
    if not cell("name"):
        errors.append(_error(number, column, _("Give the nominee ID or the name.")))
        return None
    candidates = by_name.get(fold(cell("name")), [])
    unit = None
    if cell("unit_code") or ctx.unit is not None:
        unit = _find_unit(ctx, cell("unit_code"), number, labels.get("unit_code", ""), errors)
        if unit is None:
            return None
        candidates = [n for n in candidates if n.unit_id == unit.id]
    if cell("birth_year"):
        candidates = [n for n in candidates if str(n.birth_year) == cell("birth_year")]
    if not candidates:
        where = " (" + unit.name + ")" if unit else ""
        errors.append(_error(number, column, _("No nominee of this authority has this name%(where)s: register "
                                               "the nominee first.", where=where)))
        return None
    if len(candidates) > 1:
        errors.append(_error(number, column, _("Several nominees have this name: give the nominee ID, or the unit "
                                               "and the birth year.")))
        return None
    return candidates[0]


# --- the service ----------------------------------------------------------------------------------

def import_file(session: Session, actor: User, *, content: bytes, authority_code: str, unit_code: str | None = None,
                kind: str | None = None, filename: str = "") -> dict:
    """Import the rows of an XLSX/CSV file: nominees of ``kind`` (individual, household,
    collective; found from the header when None) or past awards (``kind="awards"``, secretary),
    at ``authority_code`` and, when given, all in ``unit_code``.

    404 for an authority out of scope, 403 for a role that may not register nominees there, 422
    ``file`` for a file that is not a spreadsheet, 422 ``import_rejected`` with
    ``details.rows`` for any bad row (nothing written). Returns ``{imported, kind, ids}``; commits.
    """
    if kind is not None and kind not in KINDS:
        raise field_error("kind", _("Must be one of: %(values)s.", values=", ".join(KINDS)))
    try:
        header, rows = spreadsheets.read_table(content, max_rows=MAX_ROWS)
    except spreadsheets.TooManyRows as exc:
        raise _refuse([_error(exc.limit + 2, "", _(
            "The file has more than %(limit)d rows: split it into files of at most %(limit)d rows.",
            limit=exc.limit))]) from exc
    except spreadsheets.NotASpreadsheet as exc:
        raise field_error("file", str(exc)) from exc
    kind = kind or detect_kind(header)
    ctx = _scope(session, actor, authority_code, unit_code, kind)
    if not rows:
        raise field_error("file", _("The file has a header but no rows to import."))
    errors: list[dict] = []
    if kind == "awards":
        made = _check_awards(session, ctx, header, rows, errors)
    else:
        made = _check_nominees(session, ctx, header, rows, errors)
    if errors:
        raise _refuse(errors)
    session.add_all(made)
    session.flush()
    ids = [m.id for m in made]
    action, object_type = ("award_record.import", "nominee") if kind == "awards" else ("nominee.import", "authority")
    audit.record(session, chain=ctx.authority.code, actor=actor, action=action, object_type=object_type,
                 object_id=ctx.authority.id, data={"kind": kind, "count": len(made), "unit": unit_code,
                                                   "file": filename[:200],
                                                   "sha256": hashlib.sha256(content).hexdigest(), "ids": ids})
    session.flush()
    return {"imported": len(made), "kind": kind, "ids": ids}


def template(kind: str, fmt: str = "xlsx") -> tuple[str, bytes, str]:
    """``(file name, bytes, mimetype)`` of the blank template for ``kind``: the Vietnamese
    headers (the English ones are accepted too), a frozen header, widths, and for XLSX a second
    sheet explaining each column with an example row."""
    if kind not in KINDS:
        raise field_error("kind", _("Must be one of: %(values)s.", values=", ".join(KINDS)))
    if fmt not in ("xlsx", "csv"):
        raise field_error("format", _("The format is xlsx or csv."))
    fields = FIELDS[kind]
    name = f"{TEMPLATE_FILES[kind]}.{fmt}"
    if fmt == "csv":
        return name, spreadsheets.write_csv([f.vi for f in fields]), spreadsheets.CSV_MIMETYPE
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    columns = [spreadsheets.Column(f.vi + (" *" if f.required else ""), f.width) for f in fields]
    spreadsheets.add_table_sheet(workbook, str(KIND_TITLES[kind]), columns, [])
    guide = [spreadsheets.Column(_("Column"), 26), spreadsheets.Column(_("English header"), 22),
             spreadsheets.Column(_("Required"), 10), spreadsheets.Column(_("What to write"), 60),
             spreadsheets.Column(_("Example"), 24)]
    spreadsheets.add_table_sheet(workbook, _("Guide"), guide, [
        (f.vi, f.en, _("yes") if f.required else "", str(f.hint), example)
        for f, example in zip(fields, EXAMPLES[kind], strict=True)])
    return name, spreadsheets.save(workbook), spreadsheets.XLSX_MIMETYPE
