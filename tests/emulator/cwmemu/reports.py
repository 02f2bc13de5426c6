"""GET /system/reports: named reports over the emulator's data.

    GET reports                       -> [{"name": ...}]  (paged list)
    GET reports/{name}                -> {"column_definitions": [{col: def}],
                                          "row_values": [[...], ...]}
    GET reports/{name}/columns        -> [{col: def}, ...]
    GET reports/{name}/count          -> {"count": n}

A column definition is {"type", "isNullable", "identityColumn"}
(ReportColumnDefinition). `columns=a,b` picks and orders columns (the DG:
"columns ... only for the reporting endpoints"); `conditions` and `orderBy`
use the list grammar over a row's columns, whether picked or not; `page`
and `pageSize` page as lists do (default 25, max 1000, Link header).
Forward-only paging and `fields` do not apply to reports.

Unverified, chosen here: report names match case-insensitively; column
types are .NET type names (Int32, String, Boolean, DateTime, Decimal); an
unknown report is 404 NotFound, an unknown column 400 InvalidObject.
"""

from collections import namedtuple

from .conditions import FieldCatalog
from .data import stamp
from .errors import bad_request, not_found
from .query import ListQuery, filter_items, navigable_link, order_items

Column = namedtuple("Column", "name type nullable identity")

_SAMPLE = {"Int32": 1, "String": "x", "Boolean": True,
           "DateTime": stamp(), "Decimal": 1.5}


def _col(name, kind, nullable=False):
    return Column(name, kind, nullable, name == "id")


def _ref_name(obj, *fields):
    for field in fields:
        value = obj.get(field)
        if isinstance(value, dict):
            return value.get("name")
    return None


def _by_id(coll):
    return sorted(coll.items(), key=lambda o: o["id"])


def _member_counts(store, *fields):
    counts = {}
    for m in store.collections["members"].items():
        for field in fields:
            ref = m.get(field)
            if isinstance(ref, dict):
                counts[ref.get("id")] = counts.get(ref.get("id"), 0) + 1
                break
    return counts


def _member_rows(store):
    return [{"id": m["id"], "identifier": m.get("identifier"),
             "firstName": m.get("firstName"), "lastName": m.get("lastName"),
             "title": m.get("title"),
             # Seed members carry both department and defaultDepartment.
             "department": _ref_name(m, "defaultDepartment", "department"),
             "location": _ref_name(m, "defaultLocation", "location"),
             "licenseClass": m.get("licenseClass"),
             "inactiveFlag": bool(m.get("inactiveFlag")),
             "hireDate": m.get("hireDate")}
            for m in _by_id(store.collections["members"])]


def _department_rows(store):
    counts = _member_counts(store, "defaultDepartment", "department")
    return [{"id": d["id"], "identifier": d.get("identifier"),
             "name": d.get("name"), "memberCount": counts.get(d["id"], 0)}
            for d in _by_id(store.collections["departments"])]


def _location_rows(store):
    counts = _member_counts(store, "defaultLocation", "location")
    return [{"id": x["id"], "name": x.get("name"),
             "memberCount": counts.get(x["id"], 0)}
            for x in _by_id(store.collections["locations"])]


def _security_role_rows(store):
    counts = _member_counts(store, "securityRole")
    return [{"id": r["id"], "name": r.get("name"),
             "roleType": r.get("roleType"),
             "adminFlag": bool(r.get("adminFlag")),
             "memberCount": counts.get(r["id"], 0)}
            for r in _by_id(store.collections["securityroles"])]


def _callback_rows(store):
    return [{"id": c["id"], "description": c.get("description"),
             "url": c.get("url"), "type": c.get("type"),
             "level": c.get("level"),
             "inactiveFlag": bool(c.get("inactiveFlag"))}
            for c in _by_id(store.collections["callbacks"])]


def _time_entry_rows(store):
    return [dict(row) for row in store.time_entries]


class Report:
    def __init__(self, name, columns, rows):
        self.name = name
        self.columns = columns
        self.rows = rows          # store -> [row dict]
        self.catalog = FieldCatalog({c.name: _SAMPLE[c.type]
                                     for c in columns})

    def definition(self, column):
        return {column.name: {"type": column.type,
                              "isNullable": column.nullable,
                              "identityColumn": column.identity}}

    def pick_columns(self, text):
        """The Columns named by `columns=` (all when absent)."""
        if text is None or not text.strip():
            return list(self.columns)
        by_lower = {c.name.lower(): c for c in self.columns}
        picked = []
        for name in (n.strip() for n in text.split(",")):
            column = by_lower.get(name.lower())
            if column is None:
                names = ", ".join(c.name for c in self.columns)
                raise bad_request(f"Unknown column '{name}' in report "
                                  f"'{self.name}'. Columns: {names}.")
            if column not in picked:
                picked.append(column)
        return picked


REPORTS = [
    Report("Callback", [
        _col("id", "Int32"), _col("description", "String", True),
        _col("url", "String"), _col("type", "String"),
        _col("level", "String"), _col("inactiveFlag", "Boolean")],
        _callback_rows),
    Report("Department", [
        _col("id", "Int32"), _col("identifier", "String"),
        _col("name", "String"), _col("memberCount", "Int32")],
        _department_rows),
    Report("Location", [
        _col("id", "Int32"), _col("name", "String"),
        _col("memberCount", "Int32")], _location_rows),
    Report("Member", [
        _col("id", "Int32"), _col("identifier", "String"),
        _col("firstName", "String"), _col("lastName", "String"),
        _col("title", "String", True), _col("department", "String", True),
        _col("location", "String", True), _col("licenseClass", "String"),
        _col("inactiveFlag", "Boolean"), _col("hireDate", "DateTime")],
        _member_rows),
    Report("SecurityRole", [
        _col("id", "Int32"), _col("name", "String"),
        _col("roleType", "String", True), _col("adminFlag", "Boolean"),
        _col("memberCount", "Int32")], _security_role_rows),
    Report("TimeEntry", [
        _col("id", "Int32"), _col("member", "String"),
        _col("dateStart", "DateTime"), _col("hours", "Decimal"),
        _col("billableFlag", "Boolean"), _col("notes", "String", True)],
        _time_entry_rows),
]
_BY_NAME = {r.name.lower(): r for r in REPORTS}
LIST_CATALOG = FieldCatalog({"name": "x"})


def report_list():
    return [{"name": r.name} for r in REPORTS]


def find(name):
    report = _BY_NAME.get(name.lower())
    if report is None:
        raise not_found(f"Report '{name}' not found. Reports: "
                        f"{', '.join(r.name for r in REPORTS)}.")
    return report


def _filtered(report, store, params):
    return filter_items(report.rows(store), params.get("conditions"),
                        report.catalog)


def run(report, store, params, link_base, raw_query):
    """-> (ReportDataResponse body, Link header or None)."""
    query = ListQuery(params, forward_only=False)
    columns = report.pick_columns(params.get("columns"))
    rows = order_items(_filtered(report, store, params), query.order_by,
                       report.catalog)
    start = (query.page - 1) * query.page_size
    page = rows[start:start + query.page_size]
    body = {"column_definitions": [report.definition(c) for c in columns],
            "row_values": [[row.get(c.name) for c in columns]
                           for row in page]}
    link = navigable_link(link_base, raw_query, query.page, query.page_size,
                          len(rows))
    return body, link


def columns(report):
    return [report.definition(c) for c in report.columns]


def count(report, store, params):
    return {"count": len(_filtered(report, store, params))}
