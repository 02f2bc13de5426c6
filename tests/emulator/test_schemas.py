"""Every response body the routes offer, validated against the spec.

For each dialect, one emulator answers a request for every route and
method that returns a body (lists, objects, counts, singletons, reports,
the audit trail, token and write answers), and each body is validated with
jsonschema against the component schemas of cw-system-openapi-subset.json
(a copy of shared/reference/), made strict:

  * additionalProperties is false on every object schema that lists
    properties, so any field the schema does not define fails;
  * $refs are inlined;
  * null is accepted where .NET would serialise it: a property marked
    `nullable`, a reference, a string, an array or an object (value types
    without `nullable` - ids, plain booleans - must not be null);
  * a bare {"type": "object"} is .NET's System.Object: any JSON value.

The seed dialect serves the user's description, whose examples carry
fields the real schemas lack; SEED_EXTENSIONS lists each one explicitly
(with its own strict schema), and EXEMPT lists the routes with no schema
at all. Routes answering 204 (DELETE) have no body to check.
"""

import copy
import json
import os
import unittest

import jsonschema

from emu_helpers import EmulatorTestCase
from cwmemu.dialects import get_dialect

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "cw-system-openapi-subset.json")) as f:
    SCHEMAS = json.load(f)["components"]["schemas"]

# -- seed extensions: fields of system-api-seed.md the real schemas lack ---

STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
INFO = {"type": "object", "additionalProperties": STR}


def _closed(**props):
    return {"type": "object", "properties": props,
            "additionalProperties": False}


SEED_REF = _closed(id=INT, name=STR, _info=INFO)
SEED_EMAIL = _closed(id=INT, domain=SEED_REF, type=SEED_REF, address=STR,
                     _info=INFO)
SEED_PHONE = _closed(id=INT, type=SEED_REF, extension=STR, number=STR,
                     _info=INFO)
SEED_PHOTO = _closed(id=INT, fileName=STR, serverFileName=STR, size=INT,
                     contentType=STR)
SEED_COMMUNICATIONS = {"defaultEmail": SEED_EMAIL, "defaultPhone": SEED_PHONE,
                       "officeEmail": SEED_EMAIL, "officePhone": SEED_PHONE,
                       "photo": SEED_PHOTO}
SEED_EXTENSIONS = {
    # The seed's Member example (GET /members).
    "Member": {**SEED_COMMUNICATIONS, "emailAddress": STR,
               "department": SEED_REF, "location": SEED_REF,
               "securityDepartment": SEED_REF, "systemUserFlag": BOOL,
               "disablePortalLoginFlag": BOOL, "calendarId": INT,
               "agreementCount": INT, "mfaEnabled": BOOL, "ssoClient": STR,
               "ssoClientIdentifier": STR},
    # GET /myAccount: emailAddress, defaultEmail, ... as in its example.
    "MyAccount": {**SEED_COMMUNICATIONS, "emailAddress": STR},
    "Department": {"locationId": INT, "businessUnitId": INT,
                   "inactiveFlag": BOOL},
    "Location": {"inactiveFlag": BOOL, "serviceLocationFlag": BOOL,
                 "salesLocationFlag": BOOL, "transferWorkRolesFlag": BOOL},
    "CallbackEntry": {"options": {"type": "object"}},
    # GET/POST /members/{id}/tokens, DELETE .../tokens/{tokenId}: ids.
    "Token": {"id": INT, "_info": INFO},
}

# Required fields the seed's objects lack (its MyAccount example has none).
SEED_NOT_REQUIRED = {"MyAccount": {"salesDefaultLocation"}}

# Routes with no schema in the subset (seed only): never validated.
EXEMPT = {
    "seed": {"GET /apireports", "GET /apireports/count",
             "GET /apireports/{id}", "POST /apireports/{id}/run"},
    "real": set(),
}

# -- strict schemas ---------------------------------------------------------

_VALUE_TYPES = ("integer", "number", "boolean")


class Profile:
    """How a dialect departs from the spec: extra fields per component
    (replacing a spec property of the same name) and required fields it
    may omit."""

    def __init__(self, extensions=None, not_required=None):
        self.extensions = extensions or {}
        self.not_required = not_required or {}


SPEC = Profile()
SEED = Profile(SEED_EXTENSIONS, SEED_NOT_REQUIRED)


def _may_be_null(prop):
    return prop.get("nullable") or "$ref" in prop or \
        prop.get("type") not in _VALUE_TYPES


def _nullable(schema):
    return {"anyOf": [schema, {"type": "null"}]}


def _strict(node, profile, depth=0):
    if depth > 20:
        raise RuntimeError("schema nesting too deep (a $ref cycle?)")
    if "$ref" in node:
        return strict_component(node["$ref"].rsplit("/", 1)[1], profile,
                                depth + 1)
    node = {k: v for k, v in node.items()
            if k not in ("nullable", "description", "x-provenance")}
    if node.get("type") == "object" and "properties" not in node and \
            "additionalProperties" not in node:
        return {}  # System.Object
    if "properties" in node:
        node["properties"] = {
            name: _nullable(_strict(prop, profile, depth + 1))
            if _may_be_null(prop) else _strict(prop, profile, depth + 1)
            for name, prop in node["properties"].items()}
        node.setdefault("additionalProperties", False)
    elif isinstance(node.get("additionalProperties"), dict):
        node["additionalProperties"] = _strict(node["additionalProperties"],
                                               profile, depth + 1)
    if isinstance(node.get("items"), dict):
        node["items"] = _strict(node["items"], profile, depth + 1)
    return node


def strict_component(name, profile=SPEC, depth=0):
    """The named component schema, strict, with the profile applied."""
    schema = copy.deepcopy(SCHEMAS[name])
    extra = profile.extensions.get(name, {})
    optional = profile.not_required.get(name, set())
    schema["properties"] = {k: v for k, v in schema["properties"].items()
                            if k not in extra}
    if "required" in schema:
        schema["required"] = [f for f in schema["required"]
                              if f not in optional]
    out = _strict(schema, profile, depth)
    for field, prop in extra.items():
        out["properties"][field] = _nullable(prop)
    return out


def array_of(schema):
    return {"type": "array", "items": schema}


def report_columns(profile):
    return array_of({"type": "object", "additionalProperties":
                     strict_component("ReportColumnDefinition", profile)})


# -- the requests ------------------------------------------------------------
# (method, path, body, expected status, schema) in order; a schema is a
# component name, [name] for an array of it, or a callable(profile).

DEACTIVATE = {"activity": {"reAssignToMember": {"id": 1}},
              "companyTeam": [{"reAssignToMember": {"identifier": "admin"}}]}
NEW_MEMBER = {"identifier": "newbie", "firstName": "New", "lastName": "Bie",
              "securityRole": {"id": 5}}
NEW_CALLBACK = {"url": "https://x/cb", "objectId": 1, "type": "ticket",
                "level": "owner"}
RENAME = [{"op": "replace", "path": "name", "value": "Renamed"}]

COMMON = [
    ("GET", "info", None, 200, "Info"),
    ("GET", "mymembers", None, 200, "Member"),
    ("GET", "members", None, 200, ["Member"]),
    ("GET", "members/count", None, 200, "Count"),
    ("GET", "members/2", None, 200, "Member"),
    ("GET", "members/admin", None, 200, "Member"),
    ("POST", "members", NEW_MEMBER, 201, "Member"),
    ("PUT", "members/13", NEW_MEMBER, 200, "Member"),
    ("PATCH", "members/13", [{"op": "replace", "path": "title",
                              "value": "T"}], 200, "Member"),
    ("POST", "members/13/deactivate", DEACTIVATE, 200, "MemberDeactivation"),
    ("GET", "members/types", None, 200, ["MemberType"]),
    ("GET", "members/types/count", None, 200, "Count"),
    ("GET", "members/types/1", None, 200, "MemberType"),
    ("GET", "securityroles", None, 200, ["SecurityRole"]),
    ("GET", "securityroles/count", None, 200, "Count"),
    ("GET", "securityroles/1", None, 200, "SecurityRole"),
    ("GET", "departments", None, 200, ["Department"]),
    ("GET", "departments/count", None, 200, "Count"),
    ("GET", "departments/1", None, 200, "Department"),
    ("GET", "locations", None, 200, ["Location"]),
    ("GET", "locations/count", None, 200, "Count"),
    ("GET", "locations/1", None, 200, "Location"),
    ("GET", "callbacks", None, 200, ["CallbackEntry"]),
    ("GET", "callbacks/count", None, 200, "Count"),
    ("GET", "callbacks/1", None, 200, "CallbackEntry"),
    ("POST", "callbacks", NEW_CALLBACK, 201, "CallbackEntry"),
    ("PUT", "callbacks/7", NEW_CALLBACK, 200, "CallbackEntry"),
    ("PATCH", "callbacks/7", [{"op": "replace", "path": "inactiveFlag",
                               "value": True}], 200, "CallbackEntry"),
    ("GET", "mySecurity", None, 200, ["MySecurity"]),
    ("GET", "audittrail?type=Member&id=13", None, 200, ["AuditTrailEntry"]),
    ("GET", "audittrail/count?type=Member&id=13", None, 200, "Count"),
    ("GET", "reports", None, 200, ["Report"]),
    ("GET", "reports/Member?pageSize=50", None, 200, "ReportDataResponse"),
    ("GET", "reports/TimeEntry?columns=id,hours,notes", None, 200,
     "ReportDataResponse"),
    ("GET", "reports/Member/columns", None, 200, report_columns),
    ("GET", "reports/Member/count", None, 200, "Count"),
]

REAL_ONLY = [
    ("GET", "myAccount/1", None, 200, "MyAccount"),
    ("PUT", "myAccount/1", {"identifier": "admin", "firstName": "System",
                            "lastName": "Administrator"}, 200, "MyAccount"),
    ("PATCH", "myAccount/1", [{"op": "replace", "path": "title",
                               "value": "Boss"}], 200, "MyAccount"),
    ("POST", "members/5/tokens", None, 200, "Token"),
    ("POST", "members/types", {"name": "Robot"}, 201, "MemberType"),
    ("PUT", "members/types/5", {"name": "Droid"}, 200, "MemberType"),
    ("PATCH", "members/types/5", RENAME, 200, "MemberType"),
    ("POST", "securityroles", {"name": "Auditor"}, 201, "SecurityRole"),
    ("POST", "departments", {"identifier": "Ops", "name": "Operations"},
     201, "Department"),
    ("PUT", "departments/6", {"identifier": "Ops", "name": "Ops"}, 200,
     "Department"),
    ("PATCH", "departments/6", RENAME, 200, "Department"),
    ("POST", "locations", {"name": "Denver", "structureLevel": {"id": 1}},
     201, "Location"),
    ("PUT", "locations/5", {"name": "Boulder", "structureLevel": {"id": 1}},
     200, "Location"),
    ("PATCH", "locations/5", RENAME, 200, "Location"),
]

SEED_ONLY = [
    ("GET", "myAccount", None, 200, "MyAccount"),
    ("GET", "myAccount/2", None, 200, "MyAccount"),
    ("GET", "members/search?conditions=id%3C3", None, 200, ["Member"]),
    ("POST", "members/5/tokens", None, 201, "Token"),
    ("GET", "members/5/tokens", None, 200, ["Token"]),
    ("GET", "members/admin/tokens/1", None, 200, "Token"),
    ("GET", "mySecurity/count", None, 200, "Count"),
    ("GET", "mySecurity/1", None, 200, "MySecurity"),
]


def _route_key(dialect, method, path):
    segments = path.split("?")[0].split("/")
    pattern = dialect.routes.find(segments)[0]
    return f"{method} /" + "/".join(
        {"<id>": "{id}", "<member>": "{memberIdentifier}",
         "<name>": "{reportName}"}.get(p, p) for p in pattern)


def _explain(error):
    """The error's place and message, through anyOf to the real cause."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    where = "/".join(str(p) for p in error.absolute_path)
    return f"at /{where}: {error.message[:300]}"


class _SchemaTests(EmulatorTestCase):
    server_options = {"members": 12}
    requests = COMMON
    profile = SPEC

    def schema(self, spec):
        if callable(spec):
            return spec(self.profile)
        if isinstance(spec, list):
            return array_of(strict_component(spec[0], self.profile))
        return strict_component(spec, self.profile)

    def test_every_body_matches_its_schema(self):
        dialect = get_dialect(self.dialect)
        failures, covered = [], set()
        for method, path, body, status, spec in self.requests:
            covered.add(_route_key(dialect, method, path))
            reply = self.call(method, path, body=body)
            if reply.status != status:
                failures.append(f"{method} {path}: status {reply.status}, "
                                f"wanted {status}: {reply.raw[:300]!r}")
                continue
            validator = jsonschema.Draft7Validator(self.schema(spec))
            for error in sorted(validator.iter_errors(reply.json),
                                key=lambda e: list(e.path)):
                failures.append(f"{method} {path}: {_explain(error)}")
        self.assertEqual(failures, [], "\n" + "\n".join(failures))
        every = {r for r in dialect.routes.describe()
                 if not r.startswith("DELETE ")}
        self.assertEqual(every - covered - EXEMPT[self.dialect], set(),
                         "routes whose answers the test never checks")

    def test_strict_schemas_refuse_unknown_fields(self):
        member = self.ok("GET", "members/1")
        member["bogusField"] = 1
        errors = list(jsonschema.Draft7Validator(
            self.schema("Member")).iter_errors(member))
        self.assertTrue(any("bogusField" in e.message for e in errors))
        error_body = self.call("GET", "no/such/route").json
        jsonschema.validate(error_body, strict_component("ErrorResponse"))


class RealSchemaTests(_SchemaTests):
    dialect = "real"
    requests = COMMON + REAL_ONLY


class SeedSchemaTests(_SchemaTests):
    dialect = "seed"
    requests = COMMON + SEED_ONLY
    profile = SEED


del _SchemaTests  # only its subclasses run

if __name__ == "__main__":
    unittest.main()
