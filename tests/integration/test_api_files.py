"""The rest of the System API as files: counts and audit trails, on both
kinds of server.  None of them may make a walk of the mount dearer: they are
reachable by name and not listed."""
import json
import os
import unittest

from harness import (EmulatorTestCase, read_text, run, write_close)


def api_paths(emu):
    """(method, path under system/, query) of every logged request."""
    return [(r["method"], r["path"].split("/system/", 1)[1], r["query"])
            for r in emu.requests()]


class ApiFileChecks:
    """What must hold on every dialect."""

    members = 30

    # -- counts --

    def test_a_count_is_one_request_then_cached(self):
        mnt = self.mount("ttl=60")
        self.assertEqual(read_text(mnt.p("members", ".count")),
                         "%d\n" % self.emu.curl("members/count")["count"])
        self.assertEqual(read_text(mnt.p("members", "types", ".count")),
                         "%d\n" % len(self.emu.curl_all("members/types")))
        self.emu.reset_requests()
        read_text(mnt.p("members", ".count"))
        self.assertEqual(api_paths(self.emu), [])

    def test_a_count_is_free_after_a_listing(self):
        mnt = self.mount("ttl=60")
        names = os.listdir(mnt.p("callbacks"))
        self.emu.reset_requests()
        self.assertEqual(read_text(mnt.p("callbacks", ".count")),
                         "%d\n" % len(names))
        self.assertEqual(read_text(mnt.p("reports", ".count")),
                         "%d\n" % len(self.emu.curl("reports")))
        self.assertEqual([p for p in api_paths(self.emu)
                          if p[1].startswith("callbacks")], [])

    def test_a_write_makes_the_count_stale(self):
        mnt = self.mount("ttl=60")
        before = int(read_text(mnt.p("callbacks", ".count")))
        write_close(mnt.p("callbacks", "new.json"), json.dumps({
            "url": "https://hooks.example.com/x", "objectId": 1,
            "type": "Ticket", "level": "Owner"}))
        self.assertEqual(int(read_text(mnt.p("callbacks", ".count"))),
                         before + 1)

    def test_counts_are_not_listed_and_walks_never_ask(self):
        mnt = self.mount("ttl=60")
        self.assertNotIn(".count", os.listdir(mnt.p("members")))
        res = run(["grep", "-r", "-c", "zzz-nothing", mnt.path])
        self.assertIn(res.returncode, (0, 1), res.stderr)
        res = run(["find", mnt.path, "-name", ".count"])
        self.assertEqual(res.stdout, "")
        asked = [p for p in api_paths(self.emu)
                 if p[1].endswith("/count") or p[1].startswith("audittrail")]
        self.assertEqual(asked, [])

    def test_a_count_is_read_only(self):
        mnt = self.mount("ttl=60")
        with self.assertRaises(PermissionError):
            open(mnt.p("members", ".count"), "w").close()

    # -- audit trail --

    def test_audit_types_are_listed_and_records_are_not(self):
        mnt = self.mount("ttl=60")
        types = os.listdir(mnt.p("audittrail"))
        self.assertIn("Member", types)
        self.assertIn("Ticket", types)
        self.assertEqual(os.listdir(mnt.p("audittrail", "Member")), [])
        self.assertFalse(os.path.exists(mnt.p("audittrail", "member")))
        self.assertFalse(os.path.exists(mnt.p("audittrail", "Member",
                                              "nobody.json")))
        self.assertEqual(api_paths(self.emu)[-1:],
                         [("GET", "members/nobody", "")])

    def test_a_save_shows_in_the_members_history(self):
        mnt = self.mount("ttl=60")
        admin = mnt.p("members", "admin.json")
        history = mnt.p("audittrail", "Member", "admin.json")
        before = json.loads(read_text(history))
        obj = json.loads(read_text(admin))
        obj["title"] = "Audited Title"
        write_close(admin, json.dumps(obj, indent=2), os.O_WRONLY | os.O_TRUNC)
        self.emu.reset_requests()
        after = json.loads(read_text(history))
        self.assertEqual(json.loads(read_text(mnt.p("audittrail", "Member",
                                                    "1.json"))), after)
        audit_gets = [p for p in api_paths(self.emu) if p[0] == "GET" and
                      p[1] == "audittrail"]
        self.assertEqual(len(audit_gets), 1, api_paths(self.emu))
        server = self.emu.curl("audittrail?type=Member&id=1&pageSize=1000")
        self.assertEqual(after, list(reversed(server)))  # oldest first
        self.assertEqual(len(after), len(before) + 1)
        self.assertIn('to "Audited Title"', after[-1]["text"])

    def test_any_type_by_id(self):
        mnt = self.mount("ttl=60")
        self.assertEqual(json.loads(read_text(mnt.p("audittrail", "Ticket",
                                                    "5.json"))),
                         self.emu.curl("audittrail?type=Ticket&id=5"))
        self.assertFalse(os.path.exists(mnt.p("audittrail", "Ticket",
                                              "x.json")))
        with self.assertRaises(PermissionError):
            open(mnt.p("audittrail", "Ticket", "5.json"), "w").close()


class SeedApiFilesTest(ApiFileChecks, EmulatorTestCase):
    dialect = "seed"


class RealApiFilesTest(ApiFileChecks, EmulatorTestCase):
    dialect = "real"


if __name__ == "__main__":
    unittest.main()
