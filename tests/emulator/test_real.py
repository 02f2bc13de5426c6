"""The real dialect (the default): what differs from the user's description.

One class per topic of seed-vs-real.md; shapes are checked field by field
here and exhaustively against the spec's schemas in test_schemas.py.
"""

import base64
import re
from urllib.parse import quote

from emu_helpers import API, CLIENT_ID, EmulatorTestCase

ENDPOINT_404 = {"code": "ConnectWiseApi",
                "message": "The endpoint does not exist.", "errors": None}
DEACTIVATE = {"activity": {"reAssignToMember": {"id": 1}}}


def version_header(version):
    return {"Accept": f"application/vnd.connectwise.com+json; "
                      f"version={version}"}


class RealTestCase(EmulatorTestCase):
    dialect = "real"

    def as_member(self, ident):
        """Headers authenticating with a fresh token of member `ident`."""
        token = self.ok("POST", f"members/{ident}/tokens")
        creds = f"demo+{token['publicKey']}:{token['privateKey']}"
        return {"Authorization": "Basic " + base64.b64encode(
            creds.encode()).decode(), "clientId": CLIENT_ID}


class EndpointTests(RealTestCase):
    def test_unknown_endpoints(self):
        for path in ("apiReports", "apiReports/1", "apiReports/count",
                     "nothing/here", "members/types/tokens", "myAccount",
                     "mySecurity/count", "mySecurity/1", "securityRoles/1/x",
                     "/v4_6_release/apis/3.0/company/companies",
                     "/v4_6_release/apis/3.0/system"):
            with self.subTest(path=path):
                self.assertEqual(self.error("GET", path, 404), ENDPOINT_404)
        self.assertEqual(self.error("POST", "apiReports/1/run", 404,
                                    body={}), ENDPOINT_404)

    def test_method_not_allowed(self):
        for method, path, allow in (
                ("DELETE", "members/2", "GET, PUT, PATCH"),
                ("PUT", "members/admin", "GET"),
                ("GET", "members/2/tokens", "POST"),
                ("PATCH", "securityRoles/1", "GET, DELETE"),
                ("PUT", "mySecurity", "GET"),
                ("DELETE", "info", "GET"),
                ("GET", "members/2/deactivate", "POST")):
            with self.subTest(method=method, path=path):
                reply = self.call(method, path, body=[] if method in
                                  ("PUT", "PATCH") else None)
                self.assertEqual(reply.status, 405, reply.raw)
                self.assertEqual(reply.header("Allow"), allow)
                self.assertEqual(reply.json, {
                    "code": "ConnectWiseApi", "errors": None,
                    "message": "The requested resource does not support "
                               f"http method '{method}'."})

    def test_routing_is_case_insensitive(self):
        self.ok("GET", "SecurityRoles/count")
        self.ok("GET", "MYSECURITY")
        self.ok("GET", "/V4_6_RELEASE/APIS/3.0/System/Members/Types/1")
        self.ok("GET", "Reports/member/COUNT")

    def test_dialect_option(self):
        from cwm_emulator import start_server
        with self.assertRaises(ValueError):
            start_server(dialect="imaginary")
        self.assertEqual(self.ok("GET", "/__emulator/health", auth=False),
                         {"ok": True, "dialect": "real",
                          "codebase": "v4_6_release/"})

    def test_objects_missing(self):
        body = self.error("GET", "members/9999", 404, "NotFound")
        self.assertEqual(body["message"], "Member with id 9999 not found.")
        self.error("GET", "departments/99", 404, "NotFound")


class MyAccountTests(RealTestCase):
    def test_only_the_callers_own_id(self):
        me = self.ok("GET", "myAccount/1")
        self.assertEqual((me["id"], me["identifier"]), (1, "admin"))
        self.assertIsNone(me["password"])
        self.assertEqual(me["defaultEmail"], "Office")
        self.assertEqual(me["defaultDepartment"]["name"], "Administration")
        body = self.error("GET", "myAccount/2", 403, "Forbidden")
        self.assertIn("myAccount/2", body["message"])
        self.error("GET", "myAccount/9999", 403, "Forbidden")
        self.error("PATCH", "myAccount/2", 403, body=[])
        self.assertEqual(self.error("GET", "myAccount", 404), ENDPOINT_404)

    def test_impersonated_caller(self):
        headers = self.as_member("zangstrom")
        me = self.ok("GET", "myAccount/4", auth=False, headers=headers)
        self.assertEqual(me["identifier"], "zangstrom")
        self.error("GET", "myAccount/1", 403, auth=False, headers=headers)

    def test_put_and_patch(self):
        patched = self.ok("PATCH", "myAccount/1", body=[
            {"op": "replace", "path": "title", "value": "Chief"},
            {"op": "replace", "path": "/defaultPhone", "value": "Mobile"}])
        self.assertEqual((patched["title"], patched["defaultPhone"]),
                         ("Chief", "Mobile"))
        member = self.ok("GET", "members/1")
        self.assertEqual(member["title"], "Chief")
        # Member fields outside MyAccount are not patchable through it.
        self.error("PATCH", "myAccount/1", 400, body=[
            {"op": "replace", "path": "hourlyCost", "value": 9.5}])
        put = self.ok("PUT", "myAccount/1", body={
            "identifier": "admin", "firstName": "Sys", "lastName": "Admin",
            "title": "Root"})
        self.assertEqual((put["firstName"], put["title"]), ("Sys", "Root"))
        after = self.ok("GET", "members/1")
        # Fields outside MyAccount survive its PUT.
        self.assertEqual(after["hourlyCost"], member["hourlyCost"])
        self.assertEqual(after["securityRole"]["id"], 1)


class MyMembersTests(RealTestCase):
    def test_the_caller_as_a_member(self):
        self.assertEqual(self.ok("GET", "mymembers"),
                         self.ok("GET", "members/1"))
        headers = self.as_member("jnunez")
        me = self.ok("GET", "mymembers",
                     auth=False, headers=headers)
        self.assertEqual(me["identifier"], "jnunez")
        self.assertEqual(self.ok("GET", "myMembers?fields=identifier"),
                         {"identifier": "admin"})


class ReportTests(RealTestCase):
    def report(self, query):
        reply = self.call("GET", f"reports/{query}")
        self.assertEqual(reply.status, 200, reply.raw)
        return reply

    def test_list(self):
        names = [r["name"] for r in self.ok("GET", "reports")]
        self.assertEqual(names, ["Callback", "Department", "Location",
                                 "Member", "SecurityRole", "TimeEntry"])
        self.assertEqual(self.ok("GET", "reports?pageSize=2&page=2"),
                         [{"name": "Location"}, {"name": "Member"}])

    def test_data_shape_and_paging(self):
        reply = self.report("Member")
        body = reply.json
        self.assertEqual(list(body), ["column_definitions", "row_values"])
        self.assertEqual(body["column_definitions"][0], {"id": {
            "type": "Int32", "isNullable": False, "identityColumn": True}})
        self.assertEqual(len(body["row_values"]), 25)  # default pageSize
        self.assertIn('rel="next"', reply.header("Link"))
        self.assertEqual(self.ok("GET", "reports/Member/count"),
                         {"count": 40})
        rows = self.report("member?pageSize=15&page=3").json["row_values"]
        self.assertEqual([r[0] for r in rows], list(range(31, 41)))
        self.assertGreaterEqual(self.ok("GET", "reports/TimeEntry/count")
                                ["count"], 36)

    def test_columns_conditions_order(self):
        body = self.report("Member?columns=identifier,ID,department"
                           "&conditions=" + quote('department = "Sales" and '
                                                  'inactiveFlag = false')
                           + "&orderBy=" + quote("identifier desc")).json
        self.assertEqual([next(iter(c)) for c in body["column_definitions"]],
                         ["identifier", "id", "department"])
        idents = [r[0] for r in body["row_values"]]
        self.assertTrue(idents)
        self.assertEqual(idents, sorted(idents, reverse=True))
        self.assertTrue(all(r[2] == "Sales" for r in body["row_values"]))
        count = self.ok("GET", "reports/Member/count?conditions=" + quote(
            'department = "Sales" and inactiveFlag = false'))
        self.assertEqual(count, {"count": len(idents)})
        hours = self.report("TimeEntry?columns=hours&pageSize=1000&"
                            "conditions=" + quote("hours >= 4")).json
        self.assertTrue(all(r[0] >= 4 for r in hours["row_values"]))

    def test_columns_endpoint_and_errors(self):
        cols = self.ok("GET", "reports/Department/columns")
        self.assertEqual([next(iter(c)) for c in cols],
                         ["id", "identifier", "name", "memberCount"])
        self.assertEqual(self.error("GET", "reports/Nope", 404,
                                    "NotFound")["code"], "NotFound")
        self.error("GET", "reports/Nope/count", 404, "NotFound")
        self.error("GET", "reports/Member?columns=bogus", 400,
                   "InvalidObject")
        self.error("GET", "reports/Member?conditions=bogus%3D1", 400,
                   "InvalidObject")
        self.error("GET", "reports/Member?orderBy=bogus", 400)

    def test_rows_follow_writes(self):
        self.ok("POST", "departments", 201,
                body={"identifier": "QA", "name": "Quality"})
        rows = self.report("Department?conditions=" +
                           quote('identifier = "QA"')).json["row_values"]
        self.assertEqual(rows, [[6, "QA", "Quality", 0]])


class DeactivationTests(RealTestCase):
    def test_deactivate(self):
        answer = self.ok("POST", "members/5/deactivate", body={
            **DEACTIVATE, "opportunity": {"reAssignToMember": {
                "identifier": "zangstrom"}}, "unknownThing": 1})
        self.assertEqual(answer["activity"]["reAssignToMember"]["identifier"],
                         "admin")
        self.assertEqual(answer["opportunity"]["reAssignToMember"]["id"], 4)
        self.assertNotIn("unknownThing", answer)
        member = self.ok("GET", "members/5")
        self.assertIs(member["inactiveFlag"], True)
        self.assertRegex(member["inactiveDate"], r"^\d{4}-\d\d-\d\dT")
        texts = [e["text"] for e in
                 self.ok("GET", "audittrail?type=Member&id=5")]
        self.assertIn("Member deactivated", texts)
        # Deactivated members cannot inherit work.
        body = self.error("POST", "members/6/deactivate", 400, body={
            "activity": {"reAssignToMember": {"id": 5}}})
        self.assertIn("inactive", body["errors"][0]["message"])

    def test_body_validation(self):
        for body, code in (({}, "NullOrEmpty"),
                           ({"activity": {}}, "NullOrEmpty"),
                           ({"activity": {"reAssignToMember": {"id": 999}}},
                            "InvalidReference"),
                           ({"activity": {"reAssignToMember":
                                          {"identifier": "ghost"}}},
                            "InvalidReference"),
                           ({"activity": {"reAssignToMember": {"id": 7}}},
                            "InvalidReference"),  # itself
                           ({"companyTeam": {}}, "InvalidField"),
                           ({**DEACTIVATE, "deleteOpenTimeSheetsFlag": "y"},
                            "InvalidField")):
            with self.subTest(body=body):
                reply = self.error("POST", "members/7/deactivate", 400,
                                   "InvalidObject", body=body)
                self.assertEqual(reply["message"],
                                 "memberDeactivation object is invalid")
                self.assertEqual(reply["errors"][0]["code"], code)
                self.assertEqual(reply["errors"][0]["resource"],
                                 "memberDeactivation")
        self.error("POST", "members/7/deactivate", 400, body=[1])
        self.error("POST", "members/9999/deactivate", 404, body=DEACTIVATE)
        self.assertIs(self.ok("GET", "members/7")["inactiveFlag"], False)
        self.error("DELETE", "members/7", 405)


class TokenTests(RealTestCase):
    def test_post_only(self):
        reply = self.call("POST", "members/lwisniewski/tokens")
        self.assertEqual(reply.status, 200, reply.raw)
        self.assertEqual(list(reply.json), ["publicKey", "privateKey",
                                            "expiration"])
        self.assertIsNone(reply.header("Location"))
        self.error("GET", "members/5/tokens", 405)
        self.assertEqual(self.error("GET", "members/5/tokens/1", 404),
                         ENDPOINT_404)
        self.assertEqual(self.error("DELETE", "members/5/tokens/1", 404),
                         ENDPOINT_404)
        self.error("POST", "members/nobody/tokens", 404, "NotFound")

    def test_token_authenticates_as_the_member(self):
        headers = self.as_member(5)
        self.assertEqual(self.ok("GET", "mymembers", auth=False,
                                 headers=headers)["id"], 5)


class WritableCollectionTests(RealTestCase):
    def crud(self, path, body, patch, field):
        reply = self.call("POST", path, body=body)
        self.assertEqual(reply.status, 201, reply.raw)
        created = reply.json
        location = reply.header("Location")
        self.assertTrue(location.endswith(f"{API}/{path}/{created['id']}"),
                        location)
        self.assertEqual(self.ok("GET", location[location.index("/v4"):]),
                         created)
        count = self.ok("GET", f"{path}/count")["count"]
        patched = self.ok("PATCH", f"{path}/{created['id']}", body=[
            {"op": "replace", "path": field, "value": patch}])
        self.assertEqual(patched[field], patch)
        put = self.ok("PUT", f"{path}/{created['id']}", body=body)
        self.assertEqual(put[field], body[field])
        self.ok("DELETE", f"{path}/{created['id']}", 204)
        self.error("GET", f"{path}/{created['id']}", 404, "NotFound")
        self.assertEqual(self.ok("GET", f"{path}/count")["count"], count - 1)

    def test_member_types(self):
        self.crud("members/types", {"name": "Robot"}, "Droid", "name")
        body = self.error("POST", "members/types", 400, body={"name": ""})
        self.assertEqual(body["errors"][0]["field"], "name")

    def test_departments(self):
        self.crud("departments", {"identifier": "Ops", "name": "Operations"},
                  "Ops & Infra", "name")
        body = self.error("POST", "departments", 400, body={
            "identifier": "sales", "name": "Dup"})
        self.assertEqual(body["errors"][0]["code"], "ObjectExists")
        body = self.error("POST", "departments", 400, body={"name": "x"})
        self.assertEqual(body["errors"][0]["field"], "identifier")

    def test_locations(self):
        self.crud("locations", {"name": "Denver",
                                "structureLevel": {"id": 1}},
                  "Boulder", "name")
        loc = self.ok("GET", "locations/1")
        self.assertEqual(loc["structureLevel"]["name"], "Corporate")
        body = self.error("POST", "locations", 400, body={"name": "x"})
        self.assertEqual(body["errors"][0]["field"], "structureLevel")
        self.error("POST", "locations", 400, body={
            "name": "x", "structureLevel": {"id": 99}})

    def test_security_roles(self):
        reply = self.call("POST", "securityroles", body={"name": "Auditor",
                                                         "roleType": "Custom"})
        self.assertEqual(reply.status, 201, reply.raw)
        role = reply.json
        self.assertIs(role["adminFlag"], False)
        self.assertEqual(self.ok("GET", f"securityRoles/{role['id']}"), role)
        self.assertEqual(self.ok("GET", "securityroles/count"), {"count": 7})
        self.error("PUT", f"securityroles/{role['id']}", 405, body=role)
        self.ok("DELETE", f"securityroles/{role['id']}", 204)
        self.error("POST", "securityroles", 400, body={"name": "x" * 31})

    def test_my_security_is_a_list_only(self):
        entries = self.ok("GET", "mySecurity?pageSize=5")
        self.assertEqual(len(entries), 5)
        self.assertEqual(entries[0]["member"]["identifier"], "admin")
        self.error("GET", "mySecurity/1", 404)
        self.error("GET", "mySecurity/count", 404)
        self.error("POST", "mySecurity", 405, body={})

    def test_callbacks_post_has_location(self):
        reply = self.call("POST", "callbacks", body={
            "url": "https://x/cb", "objectId": 1, "type": "ticket",
            "level": "owner"})
        self.assertEqual(reply.status, 201)
        self.assertTrue(reply.header("Location").endswith(
            f"/callbacks/{reply.json['id']}"))


class MemberShapeTests(RealTestCase):
    def test_member_fields(self):
        admin = self.ok("GET", "members/admin")
        self.assertEqual(admin["defaultEmail"], "Office")
        self.assertEqual(admin["defaultPhone"], "Office")
        self.assertEqual(admin["officeEmail"], "admin@example.com")
        self.assertEqual(admin["officePhone"], "800-555-1234")
        for ref in ("defaultDepartment", "defaultLocation", "workRole",
                    "timeZone", "securityRole", "type"):
            self.assertEqual(set(admin[ref]), {"id", "name", "_info"}, ref)
        self.assertEqual(admin["defaultDepartment"]["_info"],
                         {"department_href": f"http://{self.host}{API}/"
                                             "departments/1"})
        self.assertEqual(admin["photo"]["name"], "admin.jpg")
        for seed_only in ("emailAddress", "department", "location",
                          "systemUserFlag", "mfaEnabled", "calendarId"):
            self.assertNotIn(seed_only, admin)
        self.assertEqual((list(admin)[0], list(admin)[-1]),
                         ("id", "customFields"))

    def test_conditions_and_order_on_real_fields(self):
        def ids(cond):
            return [m["id"] for m in self.ok(
                "GET", "members?pageSize=1000&conditions=" + quote(cond))]

        self.assertEqual(ids('officeEmail = "ADMIN@example.com"'), [1])
        self.assertEqual(len(ids('defaultEmail = "Office"')), 40)
        self.assertTrue(ids('defaultDepartment/name = "Sales"'))
        self.assertEqual(ids("inactiveFlag=false and type/id=1"), [1])
        members = self.ok("GET", "members?pageSize=1000&orderBy=" +
                          quote("defaultDepartment/name desc"))
        names = [m["defaultDepartment"]["name"] for m in members]
        self.assertEqual(names, sorted(names, reverse=True))
        self.error("GET", "members?conditions=" + quote("emailAddress = 'x'"),
                   400, "InvalidObject")

    def test_writes_validate_real_fields(self):
        reply = self.call("POST", "members", body={
            "identifier": "jsmith", "firstName": "John", "lastName": "Smith",
            "officeEmail": "jsmith@example.com", "securityRole": {"id": 5},
            "defaultDepartment": {"id": 2}, "emailAddress": "ignored"})
        self.assertEqual(reply.status, 201, reply.raw)
        created = reply.json
        self.assertEqual(reply.header("Location"),
                         f"http://{self.host}{API}/members/{created['id']}")
        self.assertEqual(created["defaultEmail"], "Office")
        self.assertEqual(created["licenseClass"], "F")
        self.assertEqual(created["defaultDepartment"]["name"], "Sales")
        self.assertNotIn("emailAddress", created)
        self.assertEqual(list(created), list(self.ok("GET", "members/1")))
        body = self.error("POST", "members", 400, body={
            "identifier": "x", "firstName": "A", "lastName": "B"})
        self.assertEqual([e["field"] for e in body["errors"]],
                         ["securityRole"])
        body = self.error("PATCH", f"members/{created['id']}", 400, body=[
            {"op": "replace", "path": "defaultEmail", "value": "Work"}])
        self.assertEqual(body["errors"][0]["field"], "defaultEmail")
        self.error("POST", "members", 400, body={
            "identifier": "y", "firstName": "A", "lastName": "B",
            "securityRole": {"id": 5}, "licenseClass": "Z"})
        patched = self.ok("PATCH", f"members/{created['id']}", body=[
            {"op": "replace", "path": "defaultEmail", "value": "Home"},
            {"op": "replace", "path": "homeEmail", "value": "j@home"}])
        self.assertEqual((patched["defaultEmail"], patched["homeEmail"]),
                         ("Home", "j@home"))

    def test_audit_trail_entries(self):
        entries = self.ok("GET", "audittrail?type=Member&id=2&"
                          "deviceIdentifier=x&xrefRecId=1")
        self.assertEqual(set(entries[0]), {
            "text", "enteredDate", "enteredBy", "auditType",
            "auditSubType", "auditSource"})
        self.error("GET", "audittrail?type=Callback&id=1", 400)
        self.error("GET", "audittrail?type=Member&id=2", 400,
                   headers={"pagination-type": "forward-only"})


class VersionTests(RealTestCase):
    def test_accepted_versions(self):
        self.assertEqual(self.ok("GET", "info")["version"], "v2025.8.102945")
        for accept in ("application/vnd.connectwise.com+json; version=2025.8",
                       "application/vnd.connectwise.com+json; version=2025.1",
                       "application/vnd.connectwise.com+json",
                       "application/json", "*/*"):
            with self.subTest(accept=accept):
                self.ok("GET", "members/1", headers={"Accept": accept})

    def test_refused_versions(self):
        for version in ("2024.12", "2019.3", "3.0.0", "2026.1"):
            with self.subTest(version=version):
                body = self.error("GET", "members?pageSize=1",
                                  400, "ConnectWiseApi",
                                  headers=version_header(version))
                self.assertEqual(body["message"], (
                    "The HTTP resource that matches the request URI "
                    f"'http://{self.host}{API}/members?pageSize=1' does not "
                    f"support the API version '{version}'."))
                self.assertIsNone(body["errors"])
        # NODE's style: a version, then application/json.
        self.error("GET", "info", 400, headers={
            "Accept": "application/vnd.connectwise.com+json; "
                      "version=2021.1, application/json"})
        # An unknown endpoint is a 404 before any version check.
        self.error("GET", "apiReports", 404, headers=version_header("2019.3"))


class CodebaseMoveTests(RealTestCase):
    def test_move(self):
        old = self.ok("GET", "members/2")
        info = self.ok("GET", "/login/companyinfo/demo", auth=False)
        self.assertEqual(info["Codebase"], "v4_6_release/")
        self.ok("POST", "/__emulator/codebase", auth=False,
                body={"codebase": "v2025_2/"})
        self.assertEqual(self.ok("GET", "/__emulator/health", auth=False)
                         ["codebase"], "v2025_2/")
        self.assertEqual(self.error("GET", "members/2", 404), ENDPOINT_404)
        info = self.ok("GET", "/login/companyinfo/demo", auth=False)
        self.assertEqual(info["Codebase"], "v2025_2/")
        new_api = "/v2025_2/apis/3.0/system"
        moved = self.ok("GET", f"{new_api}/members/2")
        self.assertEqual(moved["identifier"], old["identifier"])
        dept = moved["defaultDepartment"]
        self.assertEqual(dept["_info"]["department_href"],
                         f"http://{self.host}{new_api}/departments/"
                         f"{dept['id']}")
        created = self.call("POST", f"{new_api}/departments",
                            body={"identifier": "New", "name": "New"})
        self.assertTrue(created.header("Location").startswith(
            f"http://{self.host}{new_api}/departments/"))
        self.error("POST", "/__emulator/codebase", 400, auth=False,
                   body={"codebase": "../etc"})
        self.error("POST", "/__emulator/codebase", 400, auth=False,
                   body={"nope": 1})
        self.ok("POST", "/__emulator/codebase", auth=False,
                body={"codebase": "v4_6_release"})
        self.assertEqual(self.ok("GET", "members/2")["defaultDepartment"],
                         old["defaultDepartment"])


class StampTests(RealTestCase):
    def test_created_objects_have_stamps(self):
        created = self.ok("POST", "members/types", 201, body={"name": "Bot"})
        self.assertRegex(created["_info"]["lastUpdated"],
                         re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"))
        self.assertEqual(created["_info"]["updatedBy"], "admin")
