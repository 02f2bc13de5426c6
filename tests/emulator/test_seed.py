"""The seed dialect: what it adds to the description without changing it.

test_protocol/test_writes/test_conditions pin the described behaviour
(they run with dialect = "seed"); here are the additions: members/search,
the real reports, mymembers, deactivation, and Location on 201s.
"""

from urllib.parse import quote

from emu_helpers import EmulatorTestCase
from test_protocol import HookTests, PagingTests, TransportTests


class SeedAdditionTests(EmulatorTestCase):
    dialect = "seed"

    def test_members_search(self):
        found = self.ok("GET", "members/search?pageSize=1000&conditions=" +
                        quote('department/name = "Sales"'))
        listed = self.ok("GET", "members?pageSize=1000&conditions=" +
                         quote('department/name = "Sales"'))
        self.assertTrue(found)
        self.assertEqual(found, listed)

    def test_reports_and_mymembers(self):
        names = [r["name"] for r in self.ok("GET", "reports")]
        self.assertIn("Member", names)
        body = self.ok("GET", "reports/Member?columns=identifier,department"
                              "&pageSize=2")
        self.assertEqual(body["row_values"], [["admin", "Administration"],
                                              ["christopherlong",
                                               "Professional Services"]])
        self.assertEqual(self.ok("GET", "mymembers")["emailAddress"],
                         "admin@example.com")

    def test_deactivate_and_delete_both_exist(self):
        self.ok("POST", "members/8/deactivate",
                body={"activity": {"reAssignToMember": {"id": 1}}})
        self.assertIs(self.ok("GET", "members/8")["inactiveFlag"], True)
        self.ok("DELETE", "members/8", 204)

    def test_created_objects_carry_location(self):
        reply = self.call("POST", "callbacks", body={
            "url": "https://x", "objectId": 1, "type": "t", "level": "l"})
        self.assertEqual(reply.status, 201)
        self.assertTrue(reply.header("Location").endswith(
            f"/callbacks/{reply.json['id']}"))
        token = self.call("POST", "members/2/tokens")
        self.assertTrue(token.header("Location").endswith(
            f"/members/2/tokens/{token.json['id']}"))

    def test_accept_version_is_not_checked(self):
        self.ok("GET", "info", headers={
            "Accept": "application/vnd.connectwise.com+json; version=2019.3"})

    def test_unknown_endpoint_body(self):
        body = self.error("GET", "reports/Member/bogus", 404, "NotFound")
        self.assertIn("reports/Member/bogus", body["message"])


# The protocol suites that hold in both dialects, run against seed too
# (test_protocol runs them against real).
class SeedPagingTests(PagingTests):
    dialect = "seed"


class SeedTransportTests(TransportTests):
    dialect = "seed"


class SeedHookTests(HookTests):
    dialect = "seed"


del HookTests, PagingTests, TransportTests  # run once, from test_protocol
