"""Which collections each dialect stores, and how the writable ones are
validated (required fields, lengths, enums, references).

A spec is (type name, resource, Model or None, audit type or None):
the type name reads in "Member with id 9 not found.", the resource in
"member object is invalid", a None Model makes a collection read-only
(its FieldCatalog is then learned from the stored objects).
"""

from . import data, realdata


class Model:
    """Write rules of a writable collection."""

    def __init__(self, template, defaults, required, max_lengths,
                 references=None, read_only=(), unique_identifier=False,
                 enums=None):
        self.template = template
        self.fields = list(template)       # canonical key order
        self.defaults = defaults           # now -> {field: default}
        self.required = required
        self.max_lengths = max_lengths
        self.references = references or {}
        self.read_only = read_only         # server-managed, besides id/_info
        self.unique_identifier = unique_identifier
        self.enums = enums or {}
        self.by_lower = {f.lower(): f for f in self.fields}


def _no_defaults(now):
    return {}


def _flag_defaults(now):
    return {"inactiveFlag": False}


def _callback_model(template):
    return Model(template, lambda now: dict(data.CALLBACK_DEFAULTS),
                 required=["url", "objectId", "type", "level"],
                 max_lengths={"description": 100, "url": 1000,
                              "type": 50, "level": 50},
                 read_only=("memberId", "connectWiseID"))


# Collections that exist only as reference targets (never routed).
_HIDDEN = {"timezones": ("TimeZoneSetup", "timeZoneSetup", None, None),
           "countries": ("Country", "country", None, None)}


def seed_specs(api_base):
    """The seed dialect: members and callbacks writable, the rest GET."""
    return {
        "members": ("Member", "member", Model(
            data.member_template(api_base), data.member_defaults,
            required=["identifier", "firstName", "lastName"],
            max_lengths={"identifier": 15, "firstName": 30,
                         "lastName": 30, "middleInitial": 1, "title": 50},
            references=data.MEMBER_REFERENCES,
            unique_identifier=True), "Member"),
        "callbacks": ("Callback", "callback",
                      _callback_model(data.callback_template()), "Callback"),
        "members/types": ("MemberType", "memberType", None, None),
        "securityroles": ("SecurityRole", "securityRole", None, None),
        "departments": ("Department", "department", None, None),
        "locations": ("Location", "location", None, None),
        "apireports": ("ApiReport", "apiReport", None, None),
        "mysecurity": ("MySecurity", "mySecurity", None, None),
        **_HIDDEN,
    }


def real_specs(templates):
    """The real dialect: full CRUD on types, departments, locations; POST
    and DELETE on security roles (the spec has no PUT/PATCH there)."""
    return {
        "members": ("Member", "member", Model(
            templates["members"], realdata.member_defaults,
            # The spec also requires licenseClass, hireDate, defaultEmail
            # and defaultPhone; those get defaults (F, now, Office, Office)
            # since the DG says POST "will attempt to default all required
            # information". securityRole has no sensible default.
            required=["identifier", "firstName", "lastName", "securityRole"],
            max_lengths=realdata.MEMBER_MAX_LENGTHS,
            references=realdata.MEMBER_REFERENCES,
            unique_identifier=True, enums=realdata.MEMBER_ENUMS), "Member"),
        "callbacks": ("Callback", "callback",
                      _callback_model(templates["callbacks"]), None),
        "members/types": ("MemberType", "memberType", Model(
            {"id": 1, "name": "x", "inactiveFlag": False, "_info": {}},
            _flag_defaults, required=["name"], max_lengths={"name": 30}),
            None),
        "securityroles": ("SecurityRole", "securityRole", Model(
            {"id": 1, "name": "x", "roleType": "x", "adminFlag": False,
             "inactiveFlag": False, "_info": {}},
            lambda now: {"adminFlag": False, "inactiveFlag": False},
            required=["name"], max_lengths={"name": 30, "roleType": 30}),
            None),
        "departments": ("Department", "department", Model(
            {"id": 1, "identifier": "x", "name": "x", "_info": {}},
            _no_defaults, required=["identifier", "name"],
            max_lengths={"identifier": 15, "name": 50},
            unique_identifier=True), None),
        "locations": ("Location", "location", Model(
            templates["locations"],
            lambda now: {"locationFlag": False, "clientFlag": False,
                         "workRoleIds": [], "departmentIds": []},
            required=["structureLevel", "name"],
            max_lengths={"name": 50, "salesRep": 50, "owaUrl": 100,
                         "overrideZip": 12, "payrollXref": 10,
                         "overridePhoneNumber": 15,
                         "overrideFaxNumber": 15},
            references=realdata.LOCATION_REFERENCES), None),
        "mysecurity": ("MySecurity", "mySecurity", None, None),
        "workroles": ("WorkRole", "workRole", None, None),
        "calendars": ("Calendar", "calendar", None, None),
        "structurelevels": ("CorporateStructureLevel", "structureLevel",
                            None, None),
        **_HIDDEN,
    }
