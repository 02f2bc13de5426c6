"""POST, PUT, PATCH, DELETE: validation, _info and the audit trail."""

import re

from emu_helpers import EmulatorTestCase

NEW_MEMBER = {"identifier": "jsmith", "firstName": "John",
              "lastName": "Smith", "title": "Help Desk Technician",
              "department": {"id": 2}, "securityRole": {"id": 5},
              "bogusField": "ignored"}
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class MemberWriteTests(EmulatorTestCase):
    dialect = "seed"
    def test_post_builds_full_object(self):
        created = self.ok("POST", "members", 201, body=NEW_MEMBER)
        self.assertEqual(created["id"], 41)
        template = self.ok("GET", "members/1")
        self.assertEqual(list(created), list(template))
        self.assertNotIn("bogusField", created)
        self.assertEqual(created["department"]["name"], "Sales")
        self.assertIn("department_href", created["department"]["_info"])
        self.assertIs(created["inactiveFlag"], False)
        self.assertIsNone(created["reportsTo"])
        self.assertEqual(created["_info"]["updatedBy"], "admin")
        self.assertRegex(created["_info"]["lastUpdated"], STAMP)
        self.assertEqual(self.ok("GET", "members/JSMITH"), created)
        audit = self.ok("GET", "audittrail?type=Member&id=41")
        self.assertEqual(audit[0]["text"], "Member created")

    def test_post_validation(self):
        body = self.error("POST", "members", 400, "InvalidObject",
                          body={"firstName": "A", "lastName": "B"})
        self.assertEqual(body, {
            "code": "InvalidObject", "message": "member object is invalid",
            "errors": [{"code": "NullOrEmpty",
                        "message": "The field identifier is required.",
                        "resource": "member", "field": "identifier"}]})
        body = self.error("POST", "members", 400, body={
            "identifier": "x" * 16, "firstName": "F" * 31, "lastName": ""})
        self.assertEqual([(e["code"], e["field"]) for e in body["errors"]], [
            ("NullOrEmpty", "lastName"), ("OutOfRange", "identifier"),
            ("OutOfRange", "firstName")])
        body = self.error("POST", "members", 400, body={
            "identifier": "ok", "firstName": "A", "lastName": "B",
            "department": {"id": 999}})
        self.assertEqual(body["errors"][0]["field"], "department")
        self.error("POST", "members", 400, body={
            "identifier": "ok", "firstName": 5, "lastName": "B"})

    def test_duplicate_identifier(self):
        body = self.error("POST", "members", 400, body={
            "identifier": "AdMiN", "firstName": "A", "lastName": "B"})
        self.assertEqual(body, {
            "code": "InvalidObject", "message": "member object is invalid",
            "errors": [{"code": "ObjectExists",
                        "message": "Member ID already in use.",
                        "resource": "member", "field": "identifier"}]})

    def test_invalid_json_bodies(self):
        reply = self.call("POST", "members", raw_body=b"{not json")
        self.assertEqual(reply.status, 400)
        self.assertIn("not valid JSON", reply.json["message"])
        self.error("POST", "members", 400, body=[1, 2])
        self.error("PUT", "members/2", 400, body="text")

    def test_patch_ops_with_and_without_slash(self):
        before = self.ok("GET", "members/4")
        patched = self.ok("PATCH", "members/zangstrom", body=[
            {"op": "replace", "path": "title", "value": "CTO"},
            {"op": "replace", "path": "/middleInitial", "value": "Q"},
            {"op": "add", "path": "vendorNumber", "value": "V-1"},
            {"op": "add", "path": "/memberPersonas/-", "value": 7},
            {"op": "remove", "path": "/notes"},
            {"op": "replace", "path": "department/id", "value": 3},
            {"op": "replace", "path": "location", "value": {"name": "tampa"}},
        ])
        self.assertEqual(patched["title"], "CTO")
        self.assertEqual(patched["middleInitial"], "Q")
        self.assertEqual(patched["vendorNumber"], "V-1")
        self.assertEqual(patched["memberPersonas"], [7])
        self.assertIsNone(patched["notes"])
        self.assertEqual(patched["department"]["name"],
                         "Professional Services")
        self.assertEqual(patched["location"]["id"], 2)
        self.assertEqual(list(patched), list(before))
        self.assertEqual(self.ok("GET", "members/4"), patched)
        texts = [e["text"] for e in
                 self.ok("GET", "audittrail?type=Member&id=4")]
        self.assertIn('title changed from "Senior Engineer" to "CTO"', texts)
        self.assertNotEqual(patched["_info"]["lastUpdated"],
                            before["_info"]["lastUpdated"])

    def test_patch_errors_leave_object_unchanged(self):
        before = self.ok("GET", "members/5")
        body = self.error("PATCH", "members/5", 400, "InvalidObject", body=[
            {"op": "replace", "path": "Title", "value": "x"}])
        self.assertEqual(body["errors"][0]["message"], "path Title is not "
                                                       "valid")
        self.error("PATCH", "members/5", 400, body=[
            {"op": "replace", "path": "id", "value": 99}])
        self.error("PATCH", "members/5", 400, body=[
            {"op": "replace", "path": "title", "value": "ok"},
            {"op": "remove", "path": "identifier"}])
        body = self.error("PATCH", "members/5", 400, body=[
            {"op": "replace", "path": "identifier", "value": "admin"}])
        self.assertEqual(body["errors"][0]["code"], "ObjectExists")
        self.error("PATCH", "members/5", 400, body=[
            {"op": "replace", "path": "lastName", "value": "L" * 31}])
        self.error("PATCH", "members/5", 400,
                   body={"op": "replace", "path": "title", "value": "x"})
        self.error("PATCH", "members/5", 400, body=[
            {"op": "move", "path": "title", "value": "x"}])
        self.error("PATCH", "members/5", 400, body=[
            {"op": "replace", "path": "title"}])
        self.error("PATCH", "members/9999", 404, body=[])
        self.assertEqual(self.ok("GET", "members/5"), before)

    def test_put_replaces_whole_object(self):
        before = self.ok("GET", "members/6")
        put = self.ok("PUT", "members/skierkegaard", body={
            "id": 12345, "identifier": "skierkegaard", "firstName": "Søren",
            "lastName": "K.", "_info": {"updatedBy": "hacker"}})
        self.assertEqual(put["id"], 6)
        self.assertEqual(put["lastName"], "K.")
        self.assertIsNone(put["title"])       # omitted -> default/null
        self.assertIsNone(put["department"])
        self.assertEqual(put["_info"]["updatedBy"], "admin")
        self.assertEqual(list(put), list(before))
        self.error("PUT", "members/6", 400, body={"identifier": "x"})

    def test_delete(self):
        self.ok("DELETE", "members/7", 204)
        self.error("GET", "members/7", 404)
        self.error("DELETE", "members/7", 404)
        self.assertEqual(self.ok("GET", "audittrail?type=Member&id=7")[0]
                         ["text"], "Member deleted")


class CallbackWriteTests(EmulatorTestCase):
    dialect = "seed"
    def test_crud(self):
        created = self.ok("POST", "callbacks", 201, body={
            "description": "Ticket Status Changed",
            "url": "https://example.com/webhook/ticket-status",
            "objectId": 1, "type": "Ticket", "level": "Update",
            "memberId": 99})
        self.assertEqual(created["id"], 7)
        self.assertEqual(created["memberId"], 1)  # read-only: the creator
        self.assertEqual(list(created), list(self.ok("GET", "callbacks/1")))
        patched = self.ok("PATCH", f"callbacks/{created['id']}", body=[
            {"op": "replace", "path": "/inactiveFlag", "value": True}])
        self.assertIs(patched["inactiveFlag"], True)
        put = self.ok("PUT", "callbacks/7", body={
            "url": "https://x", "objectId": 2, "type": "company",
            "level": "owner"})
        self.assertIsNone(put["description"])
        self.assertEqual(put["connectWiseID"], created["connectWiseID"])
        audit = self.ok("GET", "audittrail?type=Callback&id=7")
        self.assertEqual(audit[-1]["text"], "Callback created")
        self.assertIn('inactiveFlag changed from "false" to "true"',
                      [e["text"] for e in audit])
        self.ok("DELETE", "callbacks/7", 204)
        self.error("GET", "callbacks/7", 404)

    def test_validation(self):
        body = self.error("POST", "callbacks", 400, body={"url": "u"})
        self.assertEqual(body["message"], "callback object is invalid")
        self.assertEqual([e["field"] for e in body["errors"]],
                         ["objectId", "type", "level"])
        body = self.error("POST", "callbacks", 400, body={
            "url": "u", "objectId": 1, "type": "t", "level": "l",
            "description": "d" * 101})
        self.assertEqual(body["errors"][0]["code"], "OutOfRange")
        self.error("POST", "callbacks", 400, body={
            "url": "u", "objectId": "one", "type": "t", "level": "l"})
        self.error("PATCH", "callbacks/1", 400, body=[
            {"op": "replace", "path": "memberId", "value": 5}])
