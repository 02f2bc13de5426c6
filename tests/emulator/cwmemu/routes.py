"""Route tables: URL patterns below /system and the handler per method.

A pattern is a tuple of lowercase literals and placeholders:
  ID      digits, captured as an int;
  MEMBER  a member id or identifier (any segment but "types", "count");
  NAME    any non-empty segment (a report name), captured as given.
Literals match case-insensitively (ConnectWise routing is, in practice).
The first pattern that matches wins, so literals go before placeholders.

An action is "handler" or "handler:key"; the Api class resolves it.
"""

ID, MEMBER, NAME = "<id>", "<member>", "<name>"


def _match(pattern, segments):
    if len(pattern) != len(segments):
        return None
    captures = []
    for want, seg in zip(pattern, segments):
        if want == ID:
            if not seg.isdigit():
                return None
            captures.append(int(seg))
        elif want == MEMBER:
            if seg.lower() in ("types", "count") or not seg:
                return None
            captures.append(seg)
        elif want == NAME:
            if not seg:
                return None
            captures.append(seg)
        elif want != seg.lower():
            return None
    return captures


class RouteTable:
    """An ordered list of (pattern, {METHOD: action})."""

    def __init__(self, routes):
        self.routes = list(routes)

    def find(self, segments):
        """(pattern, methods, captures) of the first matching pattern, or
        None."""
        for pattern, methods in self.routes:
            captures = _match(pattern, segments)
            if captures is not None:
                return pattern, methods, captures
        return None

    def describe(self):
        """["GET /members", ...]: the table as text (docs, tests)."""
        out = []
        for pattern, methods in self.routes:
            path = "/" + "/".join(
                {ID: "{id}", MEMBER: "{memberIdentifier}",
                 NAME: "{reportName}"}.get(p, p) for p in pattern)
            out += [f"{method} {path}" for method in methods]
        return out


# --------------------------------------------------------------------------
# Route groups both dialects build from.


def crud(prefix, key, *, write=True, item_methods=None):
    """List (+POST), /count, /{id} (+PUT/PATCH/DELETE) for one collection."""
    list_methods = {"GET": f"list:{key}"}
    if write:
        list_methods["POST"] = f"create:{key}"
    if item_methods is None:
        item_methods = ("GET", "PUT", "PATCH", "DELETE") if write \
            else ("GET",)
    verbs = {"GET": "get", "PUT": "put", "PATCH": "patch",
             "DELETE": "delete"}
    return [(prefix, list_methods),
            (prefix + ("count",), {"GET": f"count:{key}"}),
            (prefix + (ID,), {m: f"{verbs[m]}:{key}" for m in item_methods})]


REPORT_ROUTES = [
    (("reports",), {"GET": "list_reports"}),
    (("reports", NAME), {"GET": "get_report"}),
    (("reports", NAME, "columns"), {"GET": "report_columns"}),
    (("reports", NAME, "count"), {"GET": "count_report"}),
]

AUDIT_ROUTES = [
    (("audittrail",), {"GET": "list_audit"}),
    (("audittrail", "count"), {"GET": "count_audit"}),
]


def real_routes():
    """The System module as the 2025.8 spec has it (see seed-vs-real.md)."""
    return RouteTable([
        (("info",), {"GET": "get_info"}),
        # No GET /myAccount: only /myAccount/{id}, id = the caller's own.
        (("myaccount", ID), {"GET": "get_my_account",
                             "PUT": "put_my_account",
                             "PATCH": "patch_my_account"}),
        # Not in the spec: the PowerShell module's Get-CWMMyMember calls
        # GET /system/mymembers to learn the caller.
        (("mymembers",), {"GET": "get_my_member"}),
        (("members",), {"GET": "list:members", "POST": "create:members"}),
        (("members", "count"), {"GET": "count:members"}),
        *crud(("members", "types"), "members/types"),
        # PUT/PATCH take the numeric id; only GET has the identifier route.
        (("members", ID), {"GET": "get_member", "PUT": "put_member",
                           "PATCH": "patch_member"}),
        (("members", MEMBER), {"GET": "get_member"}),
        (("members", ID, "deactivate"), {"POST": "deactivate_member"}),
        (("members", MEMBER, "tokens"), {"POST": "create_token"}),
        *crud(("callbacks",), "callbacks"),
        *crud(("securityroles",), "securityroles",
              item_methods=("GET", "DELETE")),
        *crud(("departments",), "departments"),
        *crud(("locations",), "locations"),
        (("mysecurity",), {"GET": "list:mysecurity"}),
        *REPORT_ROUTES,
        *AUDIT_ROUTES,
    ])


def seed_routes():
    """The user's description (system-api-seed.md), as the emulator always
    served it, plus real routes that conflict with nothing in it: reports,
    mymembers, members/{id}/deactivate, and members/search (described,
    not real)."""
    return RouteTable([
        (("info",), {"GET": "get_info"}),
        (("myaccount",), {"GET": "get_my_account"}),
        (("myaccount", ID), {"GET": "get_my_account"}),
        (("mymembers",), {"GET": "get_my_member"}),
        (("members", "count"), {"GET": "count:members"}),
        (("members", "search"), {"GET": "list:members"}),
        *crud(("members", "types"), "members/types", write=False),
        (("members",), {"GET": "list:members", "POST": "create:members"}),
        (("members", MEMBER), {"GET": "get_member", "PUT": "put_member",
                               "PATCH": "patch_member",
                               "DELETE": "delete_member"}),
        (("members", ID, "deactivate"), {"POST": "deactivate_member"}),
        (("members", MEMBER, "tokens"), {"GET": "list_tokens",
                                         "POST": "create_token"}),
        (("members", MEMBER, "tokens", ID), {"GET": "get_token",
                                             "DELETE": "delete_token"}),
        *crud(("callbacks",), "callbacks"),
        (("apireports", ID, "run"), {"POST": "run_report"}),
        *AUDIT_ROUTES,
        *crud(("securityroles",), "securityroles", write=False),
        *crud(("departments",), "departments", write=False),
        *crud(("locations",), "locations", write=False),
        *crud(("apireports",), "apireports", write=False),
        *crud(("mysecurity",), "mysecurity", write=False),
        *REPORT_ROUTES,
    ])
