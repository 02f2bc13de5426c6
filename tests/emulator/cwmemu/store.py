"""The emulator's object store: collections, writes, validation, audit trail.

One RLock guards everything. Stored objects are never mutated in place:
every write builds a new object and swaps it in, so a reader holding the
lock sees consistent objects and serialises them before releasing it.
"""

import copy
import datetime
import secrets
import threading

from . import data, deactivation, realdata
from .conditions import (ARRAY, BOOLEAN, DATETIME, NUMBER, OBJECT, STRING,
                         FieldCatalog, parse_datetime)
from .errors import bad_request, field_error, invalid_object, not_found
from .models import real_specs, seed_specs
from .patch import apply_patch


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class Collection:
    def __init__(self, key, type_name, resource, objects, catalog,
                 model=None, audit_type=None):
        self.key = key                  # routing key, e.g. "members/types"
        self.type_name = type_name      # for "Member with id 9 not found."
        self.resource = resource        # for "member object is invalid"
        self.objects = {o["id"]: o for o in objects}
        self.catalog = catalog
        self.model = model              # None: read-only through the API
        self.audit_type = audit_type    # audittrail ?type= for this data
        self.next_id = max(self.objects, default=0) + 1

    def items(self):
        return self.objects.values()

    def take_id(self, wanted=None):
        if isinstance(wanted, int) and not isinstance(wanted, bool):
            self.next_id = max(self.next_id, wanted + 1)
            return wanted
        new_id = self.next_id
        self.next_id += 1
        return new_id


AUDIT_TEMPLATE = {"text": "x", "enteredDate": data.stamp(), "enteredBy": "x",
                  "auditType": "x", "auditSubType": "x", "auditSource": "x"}
TOKEN_TEMPLATE = {"id": 1, "publicKey": "x", "expiration": data.stamp(),
                  "_info": {"lastUpdated": data.stamp(), "updatedBy": "x"}}


def _display(value):
    """How a value reads inside an audit text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        for key in ("name", "identifier", "address", "number", "id"):
            if value.get(key) is not None:
                return str(value[key])
        return ""
    return str(value)


class Store:
    """All objects of one emulator, shaped by its dialect ("real"/"seed")."""

    def __init__(self, seed=1, members=40, api_base="", api_member_id=1,
                 public_key="demopub", private_key="demopriv",
                 dialect="real"):
        self.lock = threading.RLock()
        self.api_base = api_base
        self.api_member_id = api_member_id
        self.master_keys = (public_key, private_key)
        self.dialect = dialect
        if dialect == "real":
            dataset = realdata.build_dataset(seed, members, api_base)
            specs = real_specs(dataset["templates"])
        else:
            dataset = data.build_dataset(seed, members, api_base)
            specs = seed_specs(api_base)
        self.info = dataset["info"]
        self.audit = dataset["audit"]   # (type lower, id) -> oldest first
        self.audit_catalog = FieldCatalog(AUDIT_TEMPLATE)
        self.token_catalog = FieldCatalog(TOKEN_TEMPLATE)
        self.collections = self._make_collections(dataset["collections"],
                                                  specs)
        # The configured key pair shows up as the API member's own token.
        self.tokens = {1: {"id": 1, "memberId": api_member_id,
                           "publicKey": public_key, "privateKey": private_key,
                           "expiration": None,
                           "_info": {"lastUpdated": data.stamp(),
                                     "updatedBy": "admin"}}}
        self.next_token_id = 2
        self.time_entries = data.build_time_entries(
            self.collections["members"].items(), seed)

    @staticmethod
    def _make_collections(raw, specs):
        out = {}
        for key, (type_name, resource, model, audit_type) in specs.items():
            objects = raw[key]
            catalog = FieldCatalog(model.template) if model \
                else FieldCatalog(*objects)
            out[key] = Collection(key, type_name, resource, objects, catalog,
                                  model, audit_type)
        return out

    # ------------------------------------------------------------------
    # Lookups

    def collection(self, key):
        coll = self.collections.get(key.lower())
        if coll is None:
            raise not_found(f"Unknown collection '{key}'.")
        return coll

    def get(self, key, obj_id):
        coll = self.collection(key)
        obj = coll.objects.get(obj_id)
        if obj is None:
            raise not_found(f"{coll.type_name} with id {obj_id} not found.")
        return obj

    def find_member(self, id_or_identifier):
        """A member by numeric id or (case-insensitive) identifier."""
        members = self.collections["members"].objects
        if id_or_identifier.isdigit():
            member = members.get(int(id_or_identifier))
        else:
            wanted = id_or_identifier.lower()
            member = next((m for m in members.values()
                           if str(m.get("identifier", "")).lower() == wanted),
                          None)
        if member is None:
            raise not_found(f"Member with id {id_or_identifier} not found.")
        return member

    def member_identifier(self, member_id):
        member = self.collections["members"].objects.get(member_id)
        return member.get("identifier") if member else "admin"

    # ------------------------------------------------------------------
    # Writes through the API

    def create(self, key, body, actor_id):
        coll = self.collection(key)
        body = _require_object(body)
        with self.lock:
            now = utc_now()
            obj = self._build(coll, body, None, now)
            self._check(coll, obj, exclude_id=None)
            obj["id"] = coll.take_id()
            if coll.key == "callbacks":
                obj["memberId"] = actor_id
                obj["connectWiseID"] = _guid()
            obj["_info"] = self._info({}, now, actor_id)
            coll.objects[obj["id"]] = obj
            self._audit(coll, obj["id"], [("Created", f"{coll.type_name} "
                                           "created")], now, actor_id)
            return obj

    def replace(self, key, obj_id, body, actor_id):
        coll = self.collection(key)
        body = _require_object(body)
        with self.lock:
            old = self.get(key, obj_id)
            now = utc_now()
            obj = self._build(coll, body, old, now)
            obj["id"] = obj_id
            self._check(coll, obj, exclude_id=obj_id)
            return self._commit(coll, old, obj, now, actor_id)

    def patch(self, key, obj_id, operations, actor_id, fields=None):
        """Apply a JSON Patch; `fields` narrows the patchable top-level
        fields (myAccount patches a member through its own schema)."""
        coll = self.collection(key)
        with self.lock:
            old = self.get(key, obj_id)
            allowed = set(coll.model.fields)
            if fields is not None:
                allowed &= set(fields)
            obj = apply_patch(old, operations, allowed, coll.model.read_only)
            self._check(coll, obj, exclude_id=obj_id)
            return self._commit(coll, old, obj, utc_now(), actor_id)

    def delete(self, key, obj_id, actor_id):
        coll = self.collection(key)
        with self.lock:
            self.get(key, obj_id)
            del coll.objects[obj_id]
            if coll.key == "members":
                self.tokens = {k: t for k, t in self.tokens.items()
                               if t["memberId"] != obj_id}
            self._audit(coll, obj_id, [("Deleted", f"{coll.type_name} "
                                        "deleted")], utc_now(), actor_id)

    def deactivate_member(self, member_id, body, actor_id):
        """POST members/{id}/deactivate: validate who inherits the work,
        then set inactiveFlag (and inactiveDate) -> the echoed body."""
        with self.lock:
            coll = self.collection("members")
            old = self.get("members", member_id)
            result = deactivation.validate(
                body, member_id, self._find_member_ref,
                lambda m: data.make_ref("members", m, self.api_base))
            now = utc_now()
            obj = copy.deepcopy(old)
            obj["inactiveFlag"] = True
            if "inactiveDate" in obj:
                obj["inactiveDate"] = now
            self._commit(coll, old, obj, now, actor_id)
            self._audit(coll, member_id, [("Deactivated",
                                           "Member deactivated")],
                        now, actor_id)
            return result

    def _find_member_ref(self, ref):
        members = self.collections["members"].objects
        if isinstance(ref.get("id"), int) and \
                not isinstance(ref.get("id"), bool):
            return members.get(ref["id"])
        wanted = ref.get("identifier")
        if isinstance(wanted, str):
            return next((m for m in members.values() if str(
                m.get("identifier", "")).lower() == wanted.lower()), None)
        return None

    def rebase(self, old_base, new_base):
        """Rewrite every stored href after a codebase move."""
        with self.lock:
            self.api_base = new_base
            for coll in self.collections.values():
                for obj_id, obj in list(coll.objects.items()):
                    coll.objects[obj_id] = _rebased(obj, old_base, new_base)

    def _build(self, coll, body, old, now):
        """A full object from a POST/PUT body: canonical order, defaults.

        Unknown keys are ignored and known ones matched case-insensitively,
        as the real (.NET) deserialiser does; server-managed fields keep
        their stored values.
        """
        model = coll.model
        given = {}
        for key, value in body.items():
            canonical = model.by_lower.get(key.lower())
            if canonical:
                given[canonical] = value
        defaults = model.defaults(now)
        obj = {}
        for field in model.fields:
            if field in ("id", "_info") or field in model.read_only:
                obj[field] = copy.deepcopy(old.get(field)) if old else None
            elif field in given:
                obj[field] = copy.deepcopy(given[field])
            else:
                obj[field] = copy.deepcopy(defaults.get(field))
        return obj

    def _check(self, coll, obj, exclude_id):
        """Validate obj in place (references get expanded); raise 400."""
        model, resource = coll.model, coll.resource
        errors = []

        def err(code, message, field):
            errors.append(field_error(code, message, resource, field))

        for field in model.required:
            value = obj.get(field)
            if value is None or (isinstance(value, str) and not value.strip()):
                err("NullOrEmpty", f"The field {field} is required.", field)
        for field in model.fields:
            value = obj.get(field)
            if value is None or field in ("id", "_info"):
                continue
            resolved = coll.catalog.resolve(field)
            if resolved and not _type_ok(value, resolved[1]):
                err("InvalidField", f"The field {field} has an invalid "
                    f"value; a {resolved[1]} is expected.", field)
            elif field in model.max_lengths and isinstance(value, str) and \
                    len(value) > model.max_lengths[field]:
                err("OutOfRange", f"The field {field} must be "
                    f"{model.max_lengths[field]} characters or less.", field)
            elif field in model.enums and value not in model.enums[field]:
                err("InvalidField", f"The field {field} must be one of "
                    f"{', '.join(model.enums[field])}.", field)
        for field, target in model.references.items():
            value = obj.get(field)
            if isinstance(value, dict):
                ref = self._resolve_ref(target, value)
                if ref is None:
                    err("InvalidReference", f"The {field} referenced by "
                        f"{_display(value) or value} was not found.", field)
                else:
                    obj[field] = ref
        if model.unique_identifier and not errors:
            wanted = str(obj.get("identifier")).lower()
            for other in coll.items():
                if other["id"] != exclude_id and \
                        str(other.get("identifier", "")).lower() == wanted:
                    err("ObjectExists", f"{coll.type_name} ID already in "
                        "use.", "identifier")
                    break
        if errors:
            raise invalid_object(resource, errors)

    def _resolve_ref(self, target, value):
        """Expand {"id": 2} (or identifier/name) into a full reference."""
        objects = self.collections[target].objects
        found = None
        if isinstance(value.get("id"), int):
            found = objects.get(value["id"])
        else:
            for key in ("identifier", "name"):
                wanted = value.get(key)
                if isinstance(wanted, str):
                    found = next((o for o in objects.values()
                                  if str(o.get(key, "")).lower() ==
                                  wanted.lower()), None)
                    break
        return data.make_ref(target, found, self.api_base) if found else None

    def _commit(self, coll, old, obj, now, actor_id):
        obj["_info"] = self._info(old.get("_info") or {}, now, actor_id)
        coll.objects[obj["id"]] = obj
        changes = [(field, f'{field} changed from "{_display(old.get(field))}"'
                    f' to "{_display(obj.get(field))}"')
                   for field in coll.model.fields
                   if field != "_info" and old.get(field) != obj.get(field)]
        self._audit(coll, obj["id"], changes, now, actor_id)
        return obj

    def _info(self, old_info, now, actor_id):
        info = dict(old_info)
        info["lastUpdated"] = now
        info["updatedBy"] = self.member_identifier(actor_id)
        return info

    def _audit(self, coll, obj_id, changes, now, actor_id,
               source="API", entered_by=None):
        if not coll.audit_type or not changes:
            return
        entries = self.audit.setdefault((coll.audit_type.lower(), obj_id), [])
        for sub_type, text in changes:
            entries.append({
                "text": text, "enteredDate": now,
                "enteredBy": entered_by or self.member_identifier(actor_id),
                "auditType": coll.audit_type, "auditSubType": sub_type,
                "auditSource": source})

    # ------------------------------------------------------------------
    # Raw access for the test hooks: no validation, stored as-is.

    def raw_insert(self, key, obj):
        coll = self.collection(key)
        obj = _require_object(obj)
        with self.lock:
            obj = copy.deepcopy(obj)
            wanted = obj.get("id")
            # A hostile server's id (5.5, 1e300) is shown as given; the
            # object is stored under a fresh integer.
            hostile = isinstance(wanted, float)
            obj_id = coll.take_id(None if hostile else wanted)
            obj = {"id": wanted if hostile else obj_id,
                   **{k: v for k, v in obj.items() if k != "id"}}
            coll.objects[obj_id] = obj
            coll.catalog.learn(obj)
            return obj

    def raw_merge(self, key, obj_id, changes):
        """Merge top-level keys, bumping lastUpdated (someone else edited)."""
        coll = self.collection(key)
        changes = _require_object(changes)
        with self.lock:
            old = self.get(key, obj_id)
            obj = copy.deepcopy(old)
            for k, v in changes.items():
                if k == "_info" and isinstance(v, dict):
                    continue
                if k != "id":
                    obj[k] = copy.deepcopy(v)
            info = dict(obj.get("_info") or {})
            info["lastUpdated"] = utc_now()
            if isinstance(changes.get("_info"), dict):
                info.update(changes["_info"])  # explicit values win
            obj["_info"] = info
            coll.objects[obj_id] = obj
            coll.catalog.learn(obj)
            self._audit(coll, obj_id, [
                (k, f'{k} changed from "{_display(old.get(k))}" to '
                    f'"{_display(obj.get(k))}"')
                for k in changes if k not in ("id", "_info")
                and old.get(k) != obj.get(k)],
                info["lastUpdated"], None, source="Emulator",
                entered_by=info.get("updatedBy") or "emulator")
            return obj

    def raw_delete(self, key, obj_id):
        coll = self.collection(key)
        with self.lock:
            self.get(key, obj_id)
            del coll.objects[obj_id]

    # ------------------------------------------------------------------
    # Audit trail, tokens, reports

    def audit_entries(self, type_name, obj_id):
        """Entries for one object, newest first."""
        return list(reversed(self.audit.get((type_name.lower(), obj_id), [])))

    def member_tokens(self, member):
        return [{"id": t["id"], "publicKey": t["publicKey"],
                 "expiration": t["expiration"], "_info": t["_info"]}
                for t in self.tokens.values() if t["memberId"] == member["id"]]

    def create_token(self, member, actor_id):
        with self.lock:
            now = datetime.datetime.now(datetime.timezone.utc)
            token = {
                "id": self.next_token_id, "memberId": member["id"],
                "publicKey": secrets.token_hex(8),
                "privateKey": secrets.token_hex(8),
                "expiration": (now + datetime.timedelta(hours=4)).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"),
                "_info": {"lastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "updatedBy": self.member_identifier(actor_id)},
            }
            self.tokens[token["id"]] = token
            self.next_token_id += 1
            return {k: token[k] for k in
                    ("id", "publicKey", "privateKey", "expiration")}

    def delete_token(self, member, token_id):
        with self.lock:
            token = self.tokens.get(token_id)
            if token is None or token["memberId"] != member["id"]:
                raise not_found(f"Token with id {token_id} not found.")
            del self.tokens[token_id]

    def authenticate(self, public_key, private_key):
        """The member id a key pair acts as, or None."""
        if (public_key, private_key) == self.master_keys:
            return self.api_member_id
        now = datetime.datetime.now(datetime.timezone.utc)
        with self.lock:
            for token in self.tokens.values():
                expiration = parse_datetime(token["expiration"])
                if token["publicKey"] == public_key and \
                        token["privateKey"] == private_key and \
                        (expiration is None or expiration > now):
                    return token["memberId"]
        return None

    def run_report(self, report_id, body):
        report = self.get("apireports", report_id)
        if not isinstance(body, dict):
            raise bad_request('The report body must be a JSON object like '
                              '{"params":{...}}.')
        params = body.get("params") or {}
        if not isinstance(params, dict):
            raise bad_request("params must be a JSON object.")
        unknown = [p for p in params if p not in report["parameters"]]
        if unknown:
            raise bad_request(f"Unknown parameter(s) for report "
                              f"'{report['name']}': {', '.join(unknown)}. "
                              f"Accepted: {', '.join(report['parameters']) or 'none'}.")
        runner = {1: self._report_members, 2: self._report_callbacks,
                  3: self._report_headcount}.get(report_id)
        if runner is None:
            return {"column_definitions": [], "row_values": []}
        columns, rows = runner(params)
        return {"column_definitions": [
            {name: {"type": kind, "isNullable": nullable,
                    "identityColumn": name == "id"}}
            for name, kind, nullable in columns], "row_values": rows}

    def _report_members(self, params):
        columns = [("id", "Int32", False), ("identifier", "String", False),
                   ("name", "String", False), ("department", "String", True),
                   ("location", "String", True),
                   ("inactiveFlag", "Boolean", False)]
        rows = []
        for m in sorted(self.collections["members"].items(),
                        key=lambda o: o["id"]):
            dept, loc = m.get("department") or {}, m.get("location") or {}
            if "departmentId" in params and \
                    dept.get("id") != params["departmentId"]:
                continue
            if "locationId" in params and \
                    loc.get("id") != params["locationId"]:
                continue
            if "inactiveFlag" in params and \
                    bool(m.get("inactiveFlag")) != params["inactiveFlag"]:
                continue
            rows.append([m["id"], m.get("identifier"),
                         f"{m.get('firstName') or ''} "
                         f"{m.get('lastName') or ''}".strip(),
                         dept.get("name"), loc.get("name"),
                         bool(m.get("inactiveFlag"))])
        return columns, rows

    def _report_callbacks(self, params):
        columns = [("id", "Int32", False), ("description", "String", True),
                   ("url", "String", False), ("type", "String", False),
                   ("level", "String", False),
                   ("inactiveFlag", "Boolean", False)]
        wanted = str(params.get("type", "")).lower()
        rows = [[c["id"], c.get("description"), c.get("url"), c.get("type"),
                 c.get("level"), bool(c.get("inactiveFlag"))]
                for c in sorted(self.collections["callbacks"].items(),
                                key=lambda o: o["id"])
                if not wanted or str(c.get("type")).lower() == wanted]
        return columns, rows

    def _report_headcount(self, params):
        columns = [("id", "Int32", False), ("name", "String", False),
                   ("memberCount", "Int32", False)]
        counts = {}
        for m in self.collections["members"].items():
            loc = (m.get("location") or {}).get("id")
            counts[loc] = counts.get(loc, 0) + 1
        rows = [[loc["id"], loc["name"], counts.get(loc["id"], 0)]
                for loc in sorted(self.collections["locations"].items(),
                                  key=lambda o: o["id"])]
        return columns, rows


def _rebased(value, old, new):
    if isinstance(value, dict):
        return {k: _rebased(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_rebased(v, old, new) for v in value]
    if isinstance(value, str) and value.startswith(old):
        return new + value[len(old):]
    return value


def _require_object(body):
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def _type_ok(value, kind):
    if kind == STRING:
        return isinstance(value, str)
    if kind == NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == BOOLEAN:
        return isinstance(value, bool)
    if kind == DATETIME:
        return parse_datetime(value) is not None
    if kind == OBJECT:
        return isinstance(value, dict)
    if kind == ARRAY:
        return isinstance(value, list)
    return True


def _guid():
    return "%08x-%04x-4%03x-%04x-%012x" % (
        secrets.randbits(32), secrets.randbits(16), secrets.randbits(12),
        0x8000 | secrets.randbits(14), secrets.randbits(48))

