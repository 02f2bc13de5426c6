"""Deterministic demo data and the canonical shapes of every object.

Everything here derives from `random.Random(seed)` and fixed timestamps
(2023-01-15T08:30:00Z plus offsets), never from the wall clock, so two
emulators started with the same --seed/--members serve identical data.

Key order follows the seed document (system-api-seed.md) where it shows an
example, then the real API's extra fields (cw-system-openapi-subset.json),
with `_info` last, as ConnectWise serialises it.
"""

import datetime
import random
import unicodedata

from .versions import INFO_VERSION

BASE_TIME = datetime.datetime(2023, 1, 15, 8, 30, tzinfo=datetime.timezone.utc)


def stamp(minutes=0):
    """BASE_TIME plus an offset, formatted as ConnectWise does."""
    return (BASE_TIME + datetime.timedelta(minutes=minutes)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------
# Collections: routing path (lowercase) -> where their objects link to.

# API path used in `_info` hrefs, and the href key references carry.
HREF_PATHS = {
    "members": ("system/members", "member_href"),
    "members/types": ("system/members/types", "type_href"),
    "departments": ("system/departments", "department_href"),
    "locations": ("system/locations", "location_href"),
    "securityroles": ("system/securityRoles", "securityRole_href"),
    "timezones": ("system/timeZoneSetups", "timeZoneSetup_href"),
    "countries": ("company/countries", "country_href"),
    # Only referenced (by the real dialect's members and locations).
    "workroles": ("time/workRoles", "workRole_href"),
    "calendars": ("schedule/calendars", "calendar_href"),
    "structurelevels": ("system/corporateStructureLevels",
                        "structureLevel_href"),
}


def make_ref(collection, obj, api_base):
    """A reference to obj as embedded in other objects ({id,name,_info})."""
    path, href_key = HREF_PATHS[collection]
    ref = {"id": obj["id"]}
    if collection == "members":
        ref["identifier"] = obj.get("identifier")
        ref["name"] = " ".join(
            p for p in (obj.get("firstName"), obj.get("lastName")) if p)
    else:
        ref["name"] = obj.get("name")
    ref["_info"] = {href_key: f"{api_base}/{path}/{obj['id']}"}
    return ref


# Reference-valued fields of writable objects -> the collection they name.
MEMBER_REFERENCES = {
    "timeZone": "timezones", "country": "countries",
    "department": "departments", "location": "locations",
    "reportsTo": "members", "type": "members/types",
    "securityRole": "securityroles", "securityLocation": "locations",
    "securityDepartment": "departments", "defaultLocation": "locations",
    "defaultDepartment": "departments", "timeApprover": "members",
    "expenseApprover": "members",
}

# --------------------------------------------------------------------------
# Small fixed tables

DEPARTMENTS = [  # (identifier, name, locationId, inactive)
    ("Admin", "Administration", 1, False), ("Sales", "Sales", 1, False),
    ("Services", "Professional Services", 2, False),
    ("Eng", "Engineering", 3, False), ("Finance", "Finance", 1, True),
]
LOCATIONS = [  # (name, service, sales)
    ("Main Office", True, True), ("Tampa", True, False),
    ("München", True, True), ("Remote", False, False),
]
MEMBER_TYPES = [("Admin", False), ("Employee", False),
                ("Contractor", False), ("Intern", True)]
SECURITY_ROLES = [  # (name, roleType, adminFlag)
    ("System Administrator", "Corporate", True), ("Admin", "Corporate", True),
    ("Finance", "Corporate", False), ("Sales", "Corporate", False),
    ("Technician", "Corporate", False), ("Subcontractor", "Customize", False),
]
TIME_ZONES = ["US Eastern", "US Central", "US Pacific", "GMT",
              "Central European"]
COUNTRIES = ["United States", "United Kingdom", "Germany", "Japan"]

FIRST_NAMES = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer",
               "Michael", "Linda", "David", "Elizabeth", "William", "Susan",
               "Zoë", "José", "Łukasz", "Søren", "Ana", "Noah", "Amélie",
               "Chloé", "Björn", "Siobhán", "Mateo", "Priya", "Olga", "Wei",
               "Fatima", "Kenji", "Ingrid", "Hannah"]
LAST_NAMES = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia",
              "Miller", "Davis", "Rodriguez", "Martinez", "Hernández",
              "O'Brien", "Müller", "Nowak", "Kowalczyk", "Jørgensen",
              "Dubois", "Rossi", "Nakamura", "Kim", "Nguyen", "Patel",
              "Ivanova", "Svensson", "Van der Berg", "MacDonald", "Lefèvre",
              "Østergaard", "Zhang", "Wilson"]
TITLES = ["Help Desk Technician", "Senior Engineer", "Account Manager",
          "Project Manager", "Service Manager", "Controller",
          "Network Administrator", "Dispatcher", None]

# ConnectWise member IDs allow letters and digits only; fold the accents the
# decomposition can't remove by hand.
_FOLD = {"ł": "l", "ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "œ": "oe"}


def fold_identifier(first, last):
    text = (first[:1] + last).lower()
    text = "".join(_FOLD.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


LONG_NOTES = (
    'Prefers to be called "Pepe". Escalation contact for the "Gold" '
    'tier.\nWorkstation share: \\\\fileserver\\users\\jnunez\\notes and '
    'C:\\Users\\jnunez\\Desktop\\"quoted folder"\\todo.txt\n'
    "Tab\tseparated\tvalues and a trailing backslash \\\n"
    + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20
    + '\nLast line with unicode: café, naïve, 東京, emoji-free "end".')

# Members built by hand so the interesting cases exist at any --members >= 7:
# (identifier, first, last, title, notes)
SPECIAL_MEMBERS = [
    ("christopherlong", "Christopher", "Longbottom-Ashworth",
     "Identifier Exactly Fifteen", "Identifier is exactly 15 characters."),
    ("jnunez", "José", "Núñez", "Service Manager", LONG_NOTES),
    ("zangstrom", "Zoë", "Ångström", "Senior Engineer", None),
    ("lwisniewski", "Łukasz", "Wiśniewski", "Network Administrator", ""),
    ("skierkegaard", "Søren", "Kierkegaard", "Controller", "Either/or."),
    ("tnihon", "太郎", "日本", "Account Manager", "名前は日本太郎です。"),
]

# --------------------------------------------------------------------------
# Members


class Builder:
    """Builds the objects of one dataset; knows the API base for hrefs."""

    def __init__(self, api_base):
        self.api_base = api_base
        self.tables = {}

    def ref(self, collection, obj_id):
        obj = self.tables[collection][obj_id - 1]
        return make_ref(collection, obj, self.api_base)

    def href(self, path):
        return f"{self.api_base}/{path}"

    def email(self, item_id, address):
        if address is None:
            return None
        return {
            "id": item_id,
            "domain": {"id": 1, "name": address.split("@")[-1],
                       "_info": {"domain_href":
                                 self.href("system/emailDomains/1")}},
            "type": {"id": 1, "name": "Work",
                     "_info": {"type_href":
                               self.href("company/communicationTypes/1")}},
            "address": address,
            "_info": {"communication_href":
                      self.href(f"system/communications/{item_id}")},
        }

    def phone(self, item_id, number):
        if number is None:
            return None
        return {
            "id": item_id,
            "type": {"id": 2, "name": "Office",
                     "_info": {"type_href":
                               self.href("company/communicationTypes/2")}},
            "extension": "",
            "number": number,
            "_info": {"communication_href":
                      self.href(f"system/communications/{item_id}")},
        }


def member_object(b, *, id, identifier, first, last, email, title,
                  inactive=False, inactive_date=None, phone=None,
                  timezone=1, country=1, department=1, location=1,
                  reports_to=None, system_user=False, license_class="F",
                  last_login=None, photo=None, mobile=True, type_id=2,
                  role=5, security_location=None, security_department=None,
                  calendar_id=None, agreements=0, notes="", mfa=False,
                  sso_client="", middle=None, hire=None, approver=1,
                  updated=None, updated_by="admin"):
    """One member, in the seed's key order followed by real extra fields."""
    def member_ref(member_id):
        if member_id == id:  # e.g. admin approves its own time
            return make_ref("members", {"id": id, "identifier": identifier,
                                        "firstName": first,
                                        "lastName": last}, b.api_base)
        return b.ref("members", member_id)

    return {
        "id": id,
        "identifier": identifier,
        "firstName": first,
        "lastName": last,
        "emailAddress": email,
        "title": title,
        "inactiveFlag": inactive,
        "defaultEmail": b.email(id * 10 + 1, email),
        "defaultPhone": b.phone(id * 10 + 2, phone),
        "officeEmail": b.email(id * 10 + 1, email),
        "officePhone": b.phone(id * 10 + 2, phone),
        "timeZone": b.ref("timezones", timezone),
        "country": b.ref("countries", country),
        "department": b.ref("departments", department),
        "location": b.ref("locations", location),
        "reportsTo": b.ref("members", reports_to) if reports_to else None,
        "systemUserFlag": system_user,
        "licenseClass": license_class,
        "disablePortalLoginFlag": False,
        "lastLogin": last_login,
        "photo": photo,
        "enableMobileFlag": mobile,
        "type": b.ref("members/types", type_id),
        "securityRole": b.ref("securityroles", role),
        "securityLocation": (b.ref("locations", security_location)
                             if security_location else None),
        "securityDepartment": (b.ref("departments", security_department)
                               if security_department else None),
        "structureLevel": None,
        "calendarId": calendar_id,
        "agreementCount": agreements,
        "notes": notes,
        "mfaEnabled": mfa,
        "ssoClient": sso_client,
        "ssoClientIdentifier": None,
        # Real API fields the seed example leaves out.
        "middleInitial": middle,
        "hireDate": hire or stamp(),
        "inactiveDate": inactive_date,
        "employeeIdentifer": f"E{id:05d}",  # sic: ConnectWise's spelling
        "vendorNumber": None,
        "mobilePhone": None,
        "homePhone": None,
        "defaultLocation": b.ref("locations", location),
        "defaultDepartment": b.ref("departments", department),
        "workRole": None,
        "workType": None,
        "timeApprover": member_ref(approver),
        "expenseApprover": member_ref(approver),
        "dailyCapacity": 8.0,
        "hourlyCost": 0.0,
        "billableForecast": 100.0,
        "includeInUtilizationReportingFlag": not system_user,
        "requireTimeSheetEntryFlag": not system_user,
        "daysTolerance": 0,
        "minimumHours": 0.0,
        "phoneIntegrationType": "NONE",
        "companyActivityTabFormat": "SummaryList",
        "invoiceTimeTabFormat": "SummaryList",
        "invoiceScreenDefaultTabFormat": "ShowInvoicingTab",
        "invoicingDisplayOptions": "RemainOnInvoicingScreen",
        "agreementInvoicingDisplayOptions": "RemainOnInvoicingScreen",
        "memberPersonas": [],
        "customFields": [],
        "_info": {"lastUpdated": updated or stamp(), "updatedBy": updated_by},
    }


def member_defaults(now):
    """Values a POSTed/PUT member gets for omitted fields."""
    return {
        "inactiveFlag": False, "systemUserFlag": False,
        "licenseClass": "F", "disablePortalLoginFlag": False,
        "enableMobileFlag": False, "agreementCount": 0, "mfaEnabled": False,
        "hireDate": now, "dailyCapacity": 8.0, "hourlyCost": 0.0,
        "billableForecast": 100.0,
        "includeInUtilizationReportingFlag": False,
        "requireTimeSheetEntryFlag": False, "daysTolerance": 0,
        "minimumHours": 0.0, "phoneIntegrationType": "NONE",
        "companyActivityTabFormat": "SummaryList",
        "invoiceTimeTabFormat": "SummaryList",
        "invoiceScreenDefaultTabFormat": "ShowInvoicingTab",
        "invoicingDisplayOptions": "RemainOnInvoicingScreen",
        "agreementInvoicingDisplayOptions": "RemainOnInvoicingScreen",
        "memberPersonas": [], "customFields": [],
    }


def _build_members(b, rng, count):
    members = b.tables["members"] = []
    taken = set()

    def add(identifier, first, last, **kw):
        taken.add(identifier)
        obj = member_object(b, id=len(members) + 1, identifier=identifier,
                            first=first, last=last, **kw)
        members.append(obj)
        return obj

    # Member 1 is the API member, exactly as in the seed example.
    add("admin", "System", "Administrator", email="admin@example.com",
        title="System Administrator", phone="800-555-1234",
        system_user=True, license_class="A", last_login=stamp(),
        photo={"id": 1, "fileName": "admin.jpg",
               "serverFileName": "admin_12345.jpg", "size": 15243,
               "contentType": "image/jpeg"},
        type_id=1, role=1, calendar_id=1, mfa=True, approver=1)

    for identifier, first, last, title, notes in SPECIAL_MEMBERS:
        if len(members) >= count:
            break
        n = len(members) + 1
        add(identifier, first, last, email=f"{identifier}@example.com",
            title=title, notes=notes, phone=f"800-555-{1000 + n:04d}",
            department=1 + n % len(DEPARTMENTS),
            location=1 + n % len(LOCATIONS), reports_to=1,
            last_login=stamp(60 * n), hire=stamp(-1440 * 30 * n),
            updated=stamp(90 * n), middle="Q" if n == 3 else None)

    while len(members) < count:
        n = len(members) + 1
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        base = fold_identifier(first, last)[:15] or "user"
        identifier, suffix = base, 1
        while identifier in taken:
            suffix += 1
            identifier = base[:15 - len(str(suffix))] + str(suffix)
        inactive = rng.random() < 0.1
        add(identifier, first, last,
            email=f"{identifier}@example.com" if rng.random() < 0.95
            else None,
            title=rng.choice(TITLES),
            inactive=inactive,
            inactive_date=stamp(rng.randrange(1, 500) * 1440)
            if inactive else None,
            phone=f"800-555-{rng.randrange(10000):04d}"
            if rng.random() < 0.8 else None,
            timezone=rng.randrange(1, len(TIME_ZONES) + 1),
            country=rng.randrange(1, len(COUNTRIES) + 1),
            department=rng.randrange(1, len(DEPARTMENTS) + 1),
            location=rng.randrange(1, len(LOCATIONS) + 1),
            reports_to=rng.randrange(1, n) if rng.random() < 0.7 else None,
            license_class=rng.choice("FFFFCX"),
            last_login=stamp(rng.randrange(0, 800) * 720)
            if rng.random() < 0.85 else None,
            mobile=rng.random() < 0.5,
            type_id=rng.choice([2, 2, 2, 3, 4]),
            role=rng.randrange(2, len(SECURITY_ROLES) + 1),
            security_location=rng.choice([None, None, 1, 2]),
            agreements=rng.randrange(0, 5),
            notes=rng.choice(["", "", None, "Works remotely on Fridays.",
                              'Nickname: "Ace"']),
            mfa=rng.random() < 0.6,
            hire=stamp(-rng.randrange(0, 3650) * 1440),
            approver=rng.randrange(1, n),
            updated=stamp(rng.randrange(0, 1000) * 60),
            updated_by=rng.choice(["admin", "admin", "zangstrom"]))
    return members


def member_template(api_base):
    """A member with every reference and optional value filled in.

    It teaches the FieldCatalog each field's type (a field that is null on
    every real object is still typed) and fixes the canonical key order.
    """
    b = _small_builder(api_base)
    obj = member_object(
        b, id=1, identifier="x", first="x", last="x", email="x@x", title="x",
        inactive_date=stamp(), phone="1", reports_to=1, last_login=stamp(),
        photo={"id": 1, "fileName": "x", "serverFileName": "x", "size": 1,
               "contentType": "x"},
        security_location=1, security_department=1, calendar_id=1,
        notes="x", sso_client="x", middle="x")
    obj.update({
        "structureLevel": {"id": 1, "name": "x", "_info": {}},
        "ssoClientIdentifier": "x", "vendorNumber": "x",
        "mobilePhone": "x", "homePhone": "x",
        "workRole": {"id": 1, "name": "x", "_info": {}},
        "workType": {"id": 1, "name": "x", "utilizationFlag": True,
                     "_info": {}},
    })
    return obj


def _small_builder(api_base):
    b = Builder(api_base)
    _build_tables(b)
    b.tables["members"] = [{"id": 1, "identifier": "x", "firstName": "x",
                            "lastName": "x"}]
    return b


# --------------------------------------------------------------------------
# The small collections


def _info(minutes=0, by="admin"):
    return {"lastUpdated": stamp(minutes), "updatedBy": by}


def _build_tables(b):
    t = b.tables
    t["timezones"] = [{"id": i, "name": n} for i, n in
                      enumerate(TIME_ZONES, 1)]
    t["countries"] = [{"id": i, "name": n} for i, n in
                      enumerate(COUNTRIES, 1)]
    t["departments"] = [
        {"id": i, "identifier": ident, "name": name, "locationId": loc,
         "businessUnitId": 1 + i % 2, "inactiveFlag": inactive,
         "_info": _info(-i * 60)}
        for i, (ident, name, loc, inactive) in enumerate(DEPARTMENTS, 1)]
    t["locations"] = [
        {"id": i, "name": name, "inactiveFlag": False,
         "locationFlag": True, "serviceLocationFlag": service,
         "salesLocationFlag": sales, "transferWorkRolesFlag": False,
         "ownerLevelId": 1,
         "structureLevel": {"id": 1, "name": "Corporate", "_info": {
             "structureLevel_href": b.href(
                 "system/corporateStructureLevels/1")}},
         "departmentIds": [d["id"] for d in t["departments"]
                           if d["locationId"] == i],
         "_info": _info(-i * 30)}
        for i, (name, service, sales) in enumerate(LOCATIONS, 1)]
    t["members/types"] = [
        {"id": i, "name": name, "inactiveFlag": inactive,
         "_info": _info(-i * 20)}
        for i, (name, inactive) in enumerate(MEMBER_TYPES, 1)]
    t["securityroles"] = [
        {"id": i, "name": name, "roleType": role_type, "adminFlag": admin,
         "inactiveFlag": False, "_info": _info(-i * 10)}
        for i, (name, role_type, admin) in enumerate(SECURITY_ROLES, 1)]


CALLBACKS = [  # (description, url path, objectId, type, level, inactive)
    ("Ticket Created Notification", "ticket-created", 1, "Ticket", "Add",
     False),
    ("Service board 63 changes", "tickets", 63, "ticket", "board", False),
    ("All company changes", "companies", 1, "company", "owner", False),
    ("Contact sync → CRM «beta»", "contacts", 1, "contact", "owner", True),
    ("Member changes", "members", 1, "member", "owner", False),
    ("Project \"Phoenix\" board", "projects", 12, "project", "board", False),
]


def callback_object(id, description, url, object_id, type_, level,
                    member_id=1, inactive=False, payload="1.0",
                    connectwise_id=None, info=None):
    return {
        "id": id, "description": description, "url": url,
        "objectId": object_id, "type": type_, "level": level,
        "memberId": member_id, "inactiveFlag": inactive, "options": None,
        "payloadVersion": payload, "isSoapCallbackFlag": False,
        "isSelfSuppressedFlag": False, "connectWiseID": connectwise_id,
        "_info": info if info is not None else _info(),
    }


CALLBACK_DEFAULTS = {"inactiveFlag": False, "isSoapCallbackFlag": False,
                     "isSelfSuppressedFlag": False}


def callback_template():
    return callback_object(1, "x", "x", 1, "x", "x", payload="x",
                           connectwise_id="x")


def _guid(rng):
    return "%08x-%04x-4%03x-%04x-%012x" % (
        rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
        0x8000 | rng.getrandbits(14), rng.getrandbits(48))


def _build_callbacks(rng):
    return [callback_object(i, desc, f"https://hooks.example.com/cw/{path}",
                            obj, type_, level, inactive=inactive,
                            connectwise_id=_guid(rng), info=_info(i * 45))
            for i, (desc, path, obj, type_, level, inactive)
            in enumerate(CALLBACKS, 1)]


API_REPORTS = [
    ("Member Directory", "Active and inactive members with their department.",
     ["departmentId", "locationId", "inactiveFlag"]),
    ("Callback Inventory", "Registered callbacks (webhooks).",
     ["type"]),
    ("Location Headcount", "Members per location.", []),
]


def _build_reports():
    return [{"id": i, "name": name, "description": desc,
             "parameters": params, "_info": _info(-i)}
            for i, (name, desc, params) in enumerate(API_REPORTS, 1)]


MY_SECURITY = [  # (module, function identifier, function name, levels)
    ("Companies", "CompanyMaintenance", "Company Maintenance", "AAAA"),
    ("Companies", "Contacts", "Contacts", "AAAA"),
    ("Companies", "Configurations", "Configurations", "AAAA"),
    ("ServiceDesk", "ServiceTickets", "Service Tickets", "AAAA"),
    ("ServiceDesk", "ResourceScheduling", "Resource Scheduling", "AAAA"),
    ("TimeExpense", "TimeEntry", "Time Entry", "MMMA"),
    ("TimeExpense", "ExpenseEntry", "Expense Entry", "MMMA"),
    ("Project", "ProjectHeaders", "Project Headers", "AAAA"),
    ("Sales", "Opportunity", "Opportunity", "AAAA"),
    ("Finance", "Agreements", "Agreements", "AANA"),
    ("Finance", "Invoicing", "Invoicing", "NNNA"),
    ("System", "MemberMaintenance", "Member Maintenance", "AAAA"),
    ("System", "SecurityRoles", "Security Roles", "AAAA"),
    ("System", "TableSetup", "Table Setup", "AAAA"),
    ("System", "ApiReports", "API Reports", "NNNA"),
]
_LEVEL = {"A": "All", "M": "My", "N": "None"}


def _build_my_security(b):
    admin = b.ref("members", 1)
    out = []
    for i, (module, ident, name, levels) in enumerate(MY_SECURITY, 1):
        add, edit, delete, inquire = (_LEVEL[c] for c in levels)
        out.append({
            "id": i, "addLevel": add, "editLevel": edit,
            "deleteLevel": delete, "inquireLevel": inquire,
            "moduleFunctionName": name,
            "moduleFunctionDescription": f"Access to {name}",
            "myAllFlag": "M" in levels, "moduleFunctionIdentifier": ident,
            "reportFlag": ident == "ApiReports", "restrictFlag": False,
            "customFlag": False, "moduleDescription": f"{module} module",
            "moduleIdentifier": module, "moduleName": module,
            "sortOrder": i * 10, "member": admin, "_info": _info(),
        })
    return out


INFO = {
    "version": INFO_VERSION,
    "isCloud": False,
    "serverTimeZone": "Eastern Standard Time",
    "licenseBits": [
        {"name": "Procurement", "activeFlag": True},
        {"name": "Project", "activeFlag": True},
        {"name": "Marketing", "activeFlag": False},
        {"name": "Sales", "activeFlag": True},
    ],
    "cloudRegion": "NA",
    "maxWorkFlowRecordsAllowed": 2500,
}


def _seed_audit(members, callbacks, rng):
    """Audit history of the seeded objects, oldest first per object."""
    audit = {}
    for m in members:
        entries = [{"text": "Member created", "enteredDate": m["hireDate"],
                    "enteredBy": "admin", "auditType": "Member",
                    "auditSubType": "Created", "auditSource": "PSA"}]
        if m["title"] and rng.random() < 0.5:
            entries.append({
                "text": f'title changed from "Technician" to "{m["title"]}"',
                "enteredDate": m["_info"]["lastUpdated"],
                "enteredBy": m["_info"]["updatedBy"], "auditType": "Member",
                "auditSubType": "title", "auditSource": "PSA"})
        audit[("member", m["id"])] = entries
    for c in callbacks:
        audit[("callback", c["id"])] = [{
            "text": "Callback created", "enteredDate": c["_info"]["lastUpdated"],
            "enteredBy": "admin", "auditType": "Callback",
            "auditSubType": "Created", "auditSource": "API"}]
    return audit


TIME_NOTES = ["Patch Tuesday rollout", "Printer on 3rd floor",
              "Onboarding call", "Firewall rule review", None,
              'Ticket "VPN drops" follow-up', "Backup restore test"]


def build_time_entries(members, seed, per_member=3, max_members=20):
    """Synthetic time entries (rows of the TimeEntry report only): three
    for each of the first twenty members, stable for a given seed."""
    rng = random.Random(seed + 3)
    rows = []
    for m in sorted(members, key=lambda o: o["id"])[:max_members]:
        for _ in range(per_member):
            rows.append({
                "id": len(rows) + 1,
                "member": m.get("identifier"),
                "dateStart": stamp(rng.randrange(0, 90) * 1440
                                   + rng.randrange(0, 9) * 60),
                "hours": rng.choice([0.25, 0.5, 1.0, 1.5, 2.0, 4.0, 8.0]),
                "billableFlag": rng.random() < 0.7,
                "notes": rng.choice(TIME_NOTES),
            })
    return rows


def build_dataset(seed, member_count, api_base):
    """All collections (lowercase path -> list), plus audit and tokens."""
    rng = random.Random(seed)
    b = Builder(api_base)
    _build_tables(b)
    members = _build_members(b, rng, max(1, member_count))
    callbacks = _build_callbacks(random.Random(seed + 1))
    collections = dict(b.tables)
    collections.update({
        "callbacks": callbacks,
        "apireports": _build_reports(),
        "mysecurity": _build_my_security(b),
    })
    return {
        "collections": collections,
        "audit": _seed_audit(members, callbacks, random.Random(seed + 2)),
        "info": dict(INFO),
    }


# --------------------------------------------------------------------------
# MyAccount: the API member seen through the MyAccount schema.

MY_ACCOUNT_FIELDS = [
    "id", "identifier", "password", "firstName", "middleInitial", "lastName",
    "emailAddress", "title", "reportCard", "licenseClass",
    "disableOnlineFlag", "enableMobileFlag", "type", "employeeIdentifer",
    "vendorNumber", "notes", "timeZone", "country", "serviceBoardTeamIds",
    "enableMobileGpsFlag", "inactiveDate", "inactiveFlag", "lastLogin",
    "photo", "partnerPortalFlag", "officeEmail", "officePhone",
    "mobilePhone", "homePhone", "defaultEmail", "defaultPhone",
    "defaultLocation", "defaultDepartment", "reportsTo", "workRole",
    "workType", "timeApprover", "expenseApprover", "billableForecast",
    "dailyCapacity", "daysTolerance", "minimumHours", "hireDate",
    "companyActivityTabFormat", "invoiceTimeTabFormat",
    "invoiceScreenDefaultTabFormat", "invoicingDisplayOptions",
    "agreementInvoicingDisplayOptions", "phoneIntegrationType",
    "memberPersonas", "customFields", "_info",
]


def my_account(member):
    out = {key: member.get(key) for key in MY_ACCOUNT_FIELDS}
    out["password"] = None  # never echoed back
    out["defaultDepartment"] = (member.get("defaultDepartment")
                                or member.get("department"))
    out["defaultLocation"] = (member.get("defaultLocation")
                              or member.get("location"))
    for flag in ("disableOnlineFlag", "enableMobileGpsFlag",
                 "partnerPortalFlag"):
        out[flag] = bool(out[flag])
    out["serviceBoardTeamIds"] = out["serviceBoardTeamIds"] or []
    return out
