"""The real dialect's objects: the seed dataset reshaped to the 2025.8 spec.

data.py builds the demo data in the shape of the user's description. The
real server's schemas (cw-system-openapi-subset.json) differ: a Member's
defaultEmail/defaultPhone are the enums Office|Mobile|Home and its
addresses are plain strings (officeEmail, officePhone, ...), departments
have no locationId, callbacks no options, and so on. Each function here
takes a seed object and returns the real one, keeping every field name the
seed already uses when the schema has it and emitting only schema fields,
in the schema's property order.
"""

from . import data

# Member properties we emit, in the spec's order (a subset of its 126).
MEMBER_FIELDS = [
    "id", "identifier", "disableOnlineFlag", "licenseClass", "notes",
    "employeeIdentifer", "vendorNumber", "enableMobileGpsFlag",
    "inactiveDate", "inactiveFlag", "lastLogin", "firstName",
    "middleInitial", "lastName", "hireDate", "country", "photo",
    "officeEmail", "mobileEmail", "homeEmail", "defaultEmail",
    "primaryEmail", "officePhone", "officeExtension", "mobilePhone",
    "mobileExtension", "homePhone", "homeExtension", "defaultPhone",
    "securityRole", "phoneIntegrationType", "title", "reportCard",
    "enableMobileFlag", "type", "timeZone", "partnerPortalFlag",
    "memberPersonas", "adminFlag", "structureLevel", "securityLocation",
    "defaultLocation", "defaultDepartment", "reportsTo", "workRole",
    "workType", "timeApprover", "expenseApprover", "billableForecast",
    "dailyCapacity", "hourlyCost", "includeInUtilizationReportingFlag",
    "requireTimeSheetEntryFlag", "daysTolerance", "minimumHours",
    "serviceBoardTeamIds", "calendar", "salesDefaultLocation",
    "companyActivityTabFormat", "invoiceTimeTabFormat",
    "invoiceScreenDefaultTabFormat", "invoicingDisplayOptions",
    "agreementInvoicingDisplayOptions", "_info", "customFields",
]

# MyAccount properties we emit, in the spec's order; all are Member fields.
MY_ACCOUNT_FIELDS = [
    "id", "identifier", "password", "firstName", "middleInitial",
    "lastName", "title", "reportCard", "licenseClass", "disableOnlineFlag",
    "enableMobileFlag", "type", "employeeIdentifer", "vendorNumber",
    "notes", "timeZone", "country", "serviceBoardTeamIds",
    "enableMobileGpsFlag", "inactiveDate", "inactiveFlag", "lastLogin",
    "photo", "partnerPortalFlag", "memberPersonas", "officeEmail",
    "officePhone", "officeExtension", "mobileEmail", "mobilePhone",
    "mobileExtension", "homeEmail", "homePhone", "homeExtension",
    "defaultEmail", "primaryEmail", "defaultPhone", "defaultLocation",
    "defaultDepartment", "reportsTo", "workRole", "workType",
    "timeApprover", "expenseApprover", "billableForecast", "dailyCapacity",
    "includeInUtilizationReportingFlag", "requireTimeSheetEntryFlag",
    "daysTolerance", "minimumHours", "hireDate", "calendar",
    "salesDefaultLocation", "companyActivityTabFormat",
    "invoiceTimeTabFormat", "invoiceScreenDefaultTabFormat",
    "invoicingDisplayOptions", "agreementInvoicingDisplayOptions",
    "phoneIntegrationType", "_info", "customFields",
]

MEMBER_REFERENCES = {
    "timeZone": "timezones", "country": "countries",
    "reportsTo": "members", "type": "members/types",
    "securityRole": "securityroles", "securityLocation": "locations",
    "defaultLocation": "locations", "defaultDepartment": "departments",
    "timeApprover": "members", "expenseApprover": "members",
    "workRole": "workroles", "calendar": "calendars",
    "salesDefaultLocation": "locations",
}

MEMBER_ENUMS = {
    "licenseClass": ("A", "C", "F", "X"),
    "defaultEmail": ("Office", "Mobile", "Home"),
    "defaultPhone": ("Office", "Mobile", "Home"),
    "phoneIntegrationType": ("TAPI", "SKYPE", "TEL", "CALLTO", "NONE"),
    "companyActivityTabFormat": ("SummaryList", "DetailList"),
    "invoiceTimeTabFormat": ("SummaryList", "DetailList"),
    "invoiceScreenDefaultTabFormat": ("ShowInvoicingTab",
                                      "ShowAgreementInvoicingTab"),
    "invoicingDisplayOptions": ("RemainOnInvoicingScreen",
                                "ShowRecentInvoices"),
    "agreementInvoicingDisplayOptions": ("RemainOnInvoicingScreen",
                                         "ShowRecentInvoices"),
}

MEMBER_MAX_LENGTHS = {
    "identifier": 15, "firstName": 30, "lastName": 30, "middleInitial": 1,
    "title": 50, "employeeIdentifer": 10, "officeEmail": 250,
    "mobileEmail": 250, "homeEmail": 250, "primaryEmail": 250,
    "officePhone": 15, "mobilePhone": 15, "homePhone": 15,
    "officeExtension": 10, "mobileExtension": 10, "homeExtension": 10,
}

LOCATION_FIELDS = [
    "id", "ownerLevelId", "structureLevel", "name", "manager", "reportsTo",
    "salesRep", "timeZoneSetup", "calendar", "overrideAddressLine1",
    "overrideAddressLine2", "overrideCity", "overrideState", "overrideZip",
    "overrideCountry", "overridePhoneNumber", "overrideFaxNumber", "owaUrl",
    "payrollXref", "locationFlag", "clientFlag", "workRoleIds",
    "departmentIds", "_info",
]
LOCATION_REFERENCES = {
    "structureLevel": "structurelevels", "manager": "members",
    "reportsTo": "locations", "timeZoneSetup": "timezones",
    "calendar": "calendars", "overrideCountry": "countries",
}
DEPARTMENT_FIELDS = ["id", "identifier", "name", "_info"]
CALLBACK_FIELDS = [
    "id", "description", "url", "objectId", "type", "level", "memberId",
    "payloadVersion", "inactiveFlag", "isSoapCallbackFlag",
    "isSelfSuppressedFlag", "connectWiseID", "_info",
]

WORK_ROLES = ["Administrator", "Technician", "Engineer", "Consultant",
              "Manager"]
CALENDARS = ["Standard 8-5"]
STRUCTURE_LEVELS = ["Corporate"]


def _table(names):
    return [{"id": i, "name": n} for i, n in enumerate(names, 1)]


def _pick(obj, fields):
    return {f: obj.get(f) for f in fields}


class Reshaper:
    """Builds real objects; knows the API base for `_info` hrefs."""

    def __init__(self, api_base):
        self.api_base = api_base
        self.tables = {"workroles": _table(WORK_ROLES),
                       "calendars": _table(CALENDARS),
                       "structurelevels": _table(STRUCTURE_LEVELS)}

    def ref(self, collection, obj_id):
        obj = self.tables[collection][obj_id - 1]
        return data.make_ref(collection, obj, self.api_base)

    def document(self, photo):
        """The seed's photo object as a DocumentReference."""
        if not isinstance(photo, dict):
            return None
        return {"id": photo.get("id"), "name": photo.get("fileName"),
                "_info": {"document_href": f"{self.api_base}/system/"
                          f"documents/{photo.get('id')}/download"}}

    def member(self, m):
        email = _address(m.get("officeEmail")) or m.get("emailAddress")
        phone = m.get("officePhone")
        out = _pick(m, MEMBER_FIELDS)
        out.update({
            "disableOnlineFlag": bool(m.get("disablePortalLoginFlag")),
            "enableMobileGpsFlag": False,
            "photo": self.document(m.get("photo")),
            "officeEmail": email,
            "primaryEmail": email,
            "defaultEmail": "Office",
            "officePhone": phone.get("number") if isinstance(phone, dict)
            else phone,
            "officeExtension": (phone.get("extension") or None)
            if isinstance(phone, dict) else None,
            "defaultPhone": "Office",
            "partnerPortalFlag": False,
            "adminFlag": bool(m.get("systemUserFlag")),
            "workRole": self.ref("workroles",
                                 1 + (m["id"] - 1) % len(WORK_ROLES)),
            "serviceBoardTeamIds": [],
            "calendar": self.ref("calendars", 1)
            if m.get("calendarId") else None,
            "salesDefaultLocation": m.get("defaultLocation"),
        })
        return out

    def member_template(self):
        """Every field typed, for the FieldCatalog and the write Model."""
        out = self.member(data.member_template(self.api_base))
        filler = {"id": 1, "name": "x", "_info": {}}
        out.update({
            "mobileEmail": "x", "homeEmail": "x", "officeExtension": "x",
            "mobileExtension": "x", "homeExtension": "x",
            "reportCard": dict(filler), "calendar": dict(filler),
            "serviceBoardTeamIds": [1], "memberPersonas": [1],
        })
        return out

    def location(self, loc):
        out = _pick(loc, LOCATION_FIELDS)
        out.update({"timeZoneSetup": data.make_ref(
            "timezones", {"id": 1, "name": data.TIME_ZONES[0]},
            self.api_base),
            "clientFlag": False, "workRoleIds": []})
        return out

    def location_template(self):
        loc = self.location({"id": 1, "name": "x", "_info": {}})
        ref = {"id": 1, "name": "x", "_info": {}}
        for field in LOCATION_FIELDS:
            if loc[field] is None and field not in ("id", "_info"):
                loc[field] = dict(ref) if field in LOCATION_REFERENCES \
                    else (1 if field == "ownerLevelId" else "x")
        loc.update({"locationFlag": True, "departmentIds": [1],
                    "workRoleIds": [1]})
        return loc


def _address(value):
    return value.get("address") if isinstance(value, dict) else value


def my_account(member):
    """A real member seen through the MyAccount schema."""
    out = _pick(member, MY_ACCOUNT_FIELDS)
    out["password"] = None  # never echoed back
    return out


def build_dataset(seed, member_count, api_base):
    """data.build_dataset, reshaped; apiReports (seed only) are dropped."""
    dataset = data.build_dataset(seed, member_count, api_base)
    shaper = Reshaper(api_base)
    raw = dataset["collections"]
    collections = dict(raw)
    del collections["apireports"]
    collections.update(shaper.tables)
    collections["members"] = [shaper.member(m) for m in raw["members"]]
    collections["locations"] = [shaper.location(x) for x in raw["locations"]]
    collections["departments"] = [_pick(d, DEPARTMENT_FIELDS)
                                  for d in raw["departments"]]
    collections["callbacks"] = [_pick(c, CALLBACK_FIELDS)
                                for c in raw["callbacks"]]
    dataset["collections"] = collections
    dataset["templates"] = {
        "members": shaper.member_template(),
        "locations": shaper.location_template(),
        "callbacks": _pick(data.callback_template(), CALLBACK_FIELDS),
    }
    return dataset


def member_defaults(now):
    """Values a POSTed/PUT real member gets for omitted fields."""
    defaults = {f: v for f, v in data.member_defaults(now).items()
                if f in MEMBER_FIELDS}
    defaults.update({"defaultEmail": "Office", "defaultPhone": "Office",
                     "disableOnlineFlag": False, "enableMobileGpsFlag": False,
                     "partnerPortalFlag": False, "adminFlag": False,
                     "serviceBoardTeamIds": []})
    return defaults
