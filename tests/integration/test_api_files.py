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

    # -- member tokens --

    def make_token(self, mnt):
        """Writes {} into tokens/admin/; returns the file the key pair is
        kept in, and its text."""
        folder = mnt.p("tokens", "admin")
        self.emu.reset_requests()
        write_close(os.path.join(folder, "mine.json"), "{}\n")
        self.assertEqual([(m, p) for m, p, _ in api_paths(self.emu)
                          if m != "GET"], [("POST", "members/admin/tokens")])
        for name in os.listdir(folder):
            text = read_text(os.path.join(folder, name))
            if "privateKey" in text:
                return os.path.join(folder, name), text
        self.fail("no file shows the new key pair: %s" % os.listdir(folder))

    def test_a_token_is_made_by_writing_a_file(self):
        mnt = self.mount("ttl=60")
        self.assertEqual(os.listdir(mnt.p("tokens")), [])
        path, text = self.make_token(mnt)
        token = json.loads(text)
        self.assertTrue(token["publicKey"] and token["privateKey"])
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        if self.emu.dialect == "seed":  # named by the id the server gave
            self.assertEqual(os.path.basename(path), "%d.json" % token["id"])
            self.assertIn(token["publicKey"], [
                t["publicKey"] for t in self.emu.curl("members/admin/tokens")])
        else:                            # a real server gives none
            self.assertEqual(os.path.basename(path), "mine.json")
        with self.assertRaises(PermissionError):
            open(path, "a").close()
        # the keys are shown in that file only
        self.assertNotIn(token["privateKey"], mnt.errors())
        for root, _, files in os.walk(mnt.p(".cwmfs")):
            for f in files:
                self.assertNotIn(token["privateKey"],
                                 read_text(os.path.join(root, f)))
        self.assertEqual(read_text(path), text)  # and it stays

    def test_rm_of_a_token(self):
        mnt = self.mount("ttl=60")
        path, text = self.make_token(mnt)
        self.emu.reset_requests()
        if self.emu.dialect == "seed":
            os.unlink(path)
            token_id = json.loads(text)["id"]
            self.assertIn(("DELETE", "members/admin/tokens/%d" % token_id, ""),
                          api_paths(self.emu))
            self.assertNotIn(token_id, [t["id"] for t in
                                        self.emu.curl("members/admin/tokens")])
            self.assertFalse(os.path.exists(path))
        else:
            with self.assertRaises(PermissionError):
                os.unlink(path)
            self.assertEqual(api_paths(self.emu), [])
            self.assertIn("cannot delete", read_text(mnt.p(".cwmfs", "errors")))
            self.assertTrue(os.path.exists(path))

    def test_a_members_token_folder_costs_at_most_one_request(self):
        mnt = self.mount("ttl=60")
        for member in ("admin", "jnunez"):
            os.listdir(mnt.p("tokens", member))
        gets = [p for m, p, _ in api_paths(self.emu) if "tokens" in p]
        want = 2 if self.emu.dialect == "seed" else 1  # a 405 speaks for all
        self.assertEqual(len(gets), want, gets)


class SeedApiFilesTest(ApiFileChecks, EmulatorTestCase):
    dialect = "seed"


class RealApiFilesTest(ApiFileChecks, EmulatorTestCase):
    dialect = "real"


if __name__ == "__main__":
    unittest.main()
