"""Setting up the sub-district: communities (create, rename, archive, import a CSV list) and the first
administrator. The CLI (`server/cli.py`, actor None) and the admin-only API both call this module.

Rules:
- Only admins manage communities (the CLI, run on the server, acts as nobody: `actor` None). Every
  change is audited (`community.create` / `community.update` / `community.archive`).
- A code is 1-32 letters, digits, `-` or `_` (the 统计用区划代码 fits), unique, and never changes:
  organizers' scopes, exports and the CSV refer to it. Names are 1-64 characters, the sub-district
  (街道) name 0-64.
- Archiving is one-way and idempotent: the community keeps its activities, sites, members, organizers
  and history, but takes no new activities, sites or members (`users.refuse_archived`). Archived
  communities are left out of `GET /communities` unless asked for.
- A CSV import creates every row or nothing: columns `code`, `name`, `subdistrict` (or 编码, 名称,
  街道), a header row, UTF-8 with or without BOM, or GBK as Excel saves it (detected). It is refused as
  a whole (`community_csv_invalid`, the faulty line numbers in `errors`) for a code repeated in the
  file or already taken (existing communities are never updated by an import: rename them), an empty
  name or code, a too long field, or a line readable in neither encoding.

Locks: none. Two imports or creations racing on one code meet the unique index: the loser is a 409
`conflict` and creates nothing.
"""

import csv
import io
import re
from dataclasses import dataclass

from sqlalchemy import select

from server.errors import DomainError, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.models import Community
from server.models.base import utcnow
from server.services.users import get_community, grant_role, record_audit, user_for_openid

CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
NAME_MAX, SUBDISTRICT_MAX, OPENID_MAX = 64, 64, 64
# Header names accepted for each column (lower-cased, stripped).
COLUMNS = {
    "code": ("code", "编码", "社区编码"),
    "name": ("name", "名称", "社区名称"),
    "subdistrict": ("subdistrict", "街道"),
}


@dataclass(frozen=True)
class CommunityRow:
    """One community read from a CSV, with the line it starts on (1 = the header)."""

    line: int
    code: str
    name: str
    subdistrict: str | None


def require_admin(actor):
    """The CLI (actor None) and admins manage communities. Raises Forbidden."""
    if actor is not None and not actor.is_admin:
        raise Forbidden("forbidden", "只有管理员可以管理社区")


def managed_communities(actor, include_archived=True):
    """The communities `actor` manages (admins: every one), by name; archived ones only when asked."""
    statement = select(Community).order_by(Community.name, Community.id)
    if not actor.is_admin:
        statement = statement.where(Community.id.in_(actor.organizer_community_ids or {-1}))
    if not include_archived:
        statement = statement.where(Community.archived_at.is_(None))
    return list(db.session.scalars(statement))


def list_communities(include_archived=False):
    """Communities by id; archived ones only when asked for."""
    statement = select(Community).order_by(Community.id)
    if not include_archived:
        statement = statement.where(Community.archived_at.is_(None))
    return db.session.scalars(statement).all()


def _field_problems(code, name, subdistrict):
    """The problems of one community's fields, by field name (empty if none)."""
    problems = {}
    if not code:
        problems["code"] = "社区编码不能为空"
    elif not CODE.fullmatch(code):
        problems["code"] = "社区编码只能由 1-32 位字母、数字、- 或 _ 组成"
    if not name:
        problems["name"] = "社区名称不能为空"
    elif len(name) > NAME_MAX:
        problems["name"] = f"社区名称最多 {NAME_MAX} 个字"
    if subdistrict and len(subdistrict) > SUBDISTRICT_MAX:
        problems["subdistrict"] = f"街道名称最多 {SUBDISTRICT_MAX} 个字"
    return problems


def _clean(value):
    value = (value or "").strip()
    return value or None


def create_community(actor, code, name, subdistrict=None):
    """Raises Forbidden, ValidationFailed, DomainError `community_code_taken`."""
    require_admin(actor)
    code, name, subdistrict = (code or "").strip(), (name or "").strip(), _clean(subdistrict)
    problems = _field_problems(code, name, subdistrict)
    if problems:
        raise ValidationFailed(errors={field: [message] for field, message in problems.items()})
    if db.session.scalar(select(Community.id).where(Community.code == code)) is not None:
        raise DomainError("community_code_taken", f"社区编码 {code} 已存在")
    community = Community(code=code, name=name, subdistrict=subdistrict)
    db.session.add(community)
    db.session.flush()
    record_audit(actor, "community.create", "community", community.id, code=code, name=name, subdistrict=subdistrict)
    return community


def get_by_code(code):
    """Raises NotFound (`community_not_found`)."""
    community = db.session.scalar(select(Community).where(Community.code == code))
    if community is None:
        raise NotFound("community_not_found", f"没有编码为 {code} 的社区")
    return community


def update_community(actor, community_id, changes):
    """Rename a community or change its sub-district (`changes`: `name`, `subdistrict`; the code never
    changes). Archived ones too: their history shows the name. Raises Forbidden, NotFound,
    ValidationFailed."""
    require_admin(actor)
    community = get_community(community_id)
    name = changes["name"].strip() if "name" in changes else community.name
    subdistrict = _clean(changes["subdistrict"]) if "subdistrict" in changes else community.subdistrict
    problems = _field_problems(community.code, name, subdistrict)
    if problems:
        raise ValidationFailed(errors={field: [message] for field, message in problems.items()})
    before = {"name": community.name, "subdistrict": community.subdistrict}
    community.name, community.subdistrict = name, subdistrict
    after = {"name": name, "subdistrict": subdistrict}
    if before != after:
        record_audit(actor, "community.update", "community", community.id, before=before, after=after)
    db.session.flush()
    return community


def archive_community(actor, community_id):
    """Archive a community (again: nothing changes). Raises Forbidden, NotFound."""
    require_admin(actor)
    community = get_community(community_id)
    if community.archived_at is None:
        community.archived_at = utcnow()
        record_audit(actor, "community.archive", "community", community.id, code=community.code)
    db.session.flush()
    return community


def _refuse(errors):
    raise DomainError("community_csv_invalid", errors=errors)


def _line_key(line):
    return f"line {line}"


def decode_csv(data):
    """The text of a CSV file: UTF-8 (a BOM is dropped) or else GBK (Excel's 'CSV' on a Chinese
    Windows). Lines readable in neither are refused (`community_csv_invalid`) by number."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gbk")
    lines = data.split(b"\n")  # a GBK trail byte is never 0x0A: splitting first is safe in both

    def bad_lines(encoding):
        bad = []
        for number, line in enumerate(lines, start=1):
            try:
                line.decode("utf-8" if encoding == "utf-8-sig" else encoding)
            except UnicodeDecodeError:
                bad.append(number)
        return bad

    failures = {}
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            failures[encoding] = set(bad_lines(encoding))
    everywhere = set.intersection(*failures.values()) or failures[encodings[0]]
    _refuse(
        {
            _line_key(number): ["无法识别的文字编码（请另存为 UTF-8 或 GBK 编码的 CSV）"]
            for number in sorted(everywhere)
        }
    )


def parse_csv(data):
    """Rows of a communities CSV (bytes or text), checked on their own: `[CommunityRow]`.
    Raises DomainError `community_csv_invalid` with every problem found, by line."""
    reader = csv.reader(io.StringIO(decode_csv(data), newline=""))
    try:
        header = next(reader, None)
        if header is None:
            _refuse({"file": ["文件为空，须有标题行：code,name,subdistrict"]})
        names = [cell.strip().lower() for cell in header]
        index = {}
        for column, aliases in COLUMNS.items():
            found = [position for position, name in enumerate(names) if name in aliases]
            if found:
                index[column] = found[0]
        missing = [column for column in ("code", "name") if column not in index]
        if missing:
            _refuse({_line_key(1): [f"标题行缺少列：{', '.join(missing)}（须有 code,name,subdistrict）"]})
        errors, rows, first_line = {}, [], {}
        line = reader.line_num + 1
        for record in reader:
            cells = {column: record[i].strip() if i < len(record) else "" for column, i in index.items()}
            if any(record_cell.strip() for record_cell in record):
                code, name, subdistrict = cells["code"], cells["name"], cells.get("subdistrict") or None
                problems = list(_field_problems(code, name, subdistrict).values())
                if code and code in first_line:
                    problems.append(f"社区编码 {code} 与第 {first_line[code]} 行重复")
                first_line.setdefault(code, line)
                if problems:
                    errors[_line_key(line)] = problems
                else:
                    rows.append(CommunityRow(line, code, name, subdistrict))
            line = reader.line_num + 1
    except csv.Error as error:
        _refuse({_line_key(reader.line_num): [f"CSV 格式有误：{error}"]})
    if errors:
        _refuse(errors)
    if not rows:
        _refuse({"file": ["没有任何社区（标题行之后为空）"]})
    return rows


def import_communities(actor, data):
    """Create every community of a CSV file, or none. Returns the created communities, in file order.

    Raises Forbidden, DomainError `community_csv_invalid` (nothing created).
    """
    require_admin(actor)
    rows = parse_csv(data)
    taken = set(
        db.session.scalars(select(Community.code).where(Community.code.in_([row.code for row in rows]))).all()
    )
    if taken:
        _refuse({_line_key(row.line): [f"社区编码 {row.code} 已存在（导入不修改已有社区）"] for row in rows if row.code in taken})
    created = []
    for row in rows:
        community = Community(code=row.code, name=row.name, subdistrict=row.subdistrict)
        db.session.add(community)
        created.append(community)
    db.session.flush()
    for community in created:
        record_audit(
            actor, "community.create", "community", community.id,
            code=community.code, name=community.name, subdistrict=community.subdistrict, via="import",
        )
    db.session.flush()
    return created


def make_admin(openid):
    """Make the user with `openid` an administrator (the CLI's way to the first one): the row is created
    if that openid has not logged in yet, and their first login finds the role. Raises ValidationFailed."""
    openid = (openid or "").strip()
    if not openid or len(openid) > OPENID_MAX:
        raise ValidationFailed(errors={"openid": [f"openid 须为 1-{OPENID_MAX} 个字符"]})
    user = user_for_openid(openid)
    return grant_role(None, user, "admin")
