"""The rest of the System API as files: counts and audit trails, on both
kinds of server.  None of them may make a walk of the mount dearer: they are
reachable by name and not listed."""
import errno
import json
import os
import unittest
import urllib.parse

from harness import (EmulatorTestCase, Mount, read_text, run, write_close,
                     write_config)


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

    def test_a_walk_costs_only_listings_and_singletons(self):
        mnt = self.mount("ttl=60")
        self.assertNotIn(".count", os.listdir(mnt.p("members")))
        res = run(["grep", "-r", "-c", "zzz-nothing", mnt.path])
        self.assertIn(res.returncode, (0, 1), res.stderr)
        self.assertEqual(res.stderr, "")
        res = run(["find", mnt.path, "-name", ".count"])
        self.assertEqual(res.stdout, "")
        # no count, history, token, report run or object asked one by one
        singletons = {"info", "myAccount", "mySecurity", "mymembers"}
        listings = {"members", "members/types", "securityRoles",
                    "departments", "locations", "callbacks", "apiReports",
                    "reports"}
        asked = [p for m, p, _ in api_paths(self.emu)
                 if p not in singletons | listings and
                 not p.startswith("myAccount/")]
        self.assertEqual(asked, [])
        self.assertTrue(all(m == "GET" for m, _, _ in api_paths(self.emu)))
        # the reports are there as links, to be read by name
        link = mnt.p("reports", "Member.json")
        self.assertTrue(os.path.islink(link))
        self.assertTrue(json.loads(read_text(link)))

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

    # -- queries --

    def make_query(self, mnt, name, collection, conditions, **more):
        folder = mnt.p("queries", name)
        os.mkdir(folder)
        write_close(os.path.join(folder, "collection"), collection + "\n")
        write_close(os.path.join(folder, "conditions"), conditions + "\n")
        for setting, value in more.items():
            write_close(os.path.join(folder, setting), value + "\n")
        return folder

    def test_a_query_lists_the_servers_answer_as_links(self):
        mnt = self.mount("ttl=60")
        conditions = 'title like "%Engineer%"'
        folder = self.make_query(mnt, "engineers", "members", conditions,
                                 orderBy="identifier desc")
        want = self.emu.curl_all(
            "members?conditions=%s&orderBy=identifier%%20desc" %
            urllib.parse.quote(conditions))
        self.assertTrue(want)
        names = [n for n in os.listdir(folder) if n.endswith(".json")]
        self.assertEqual(names, [m["identifier"] + ".json" for m in want])
        for name in names:
            path = os.path.join(folder, name)
            self.assertEqual(os.readlink(path), "../../members/" + name)
            self.assertEqual(read_text(path),
                             read_text(mnt.p("members", name)))
        self.emu.reset_requests()  # a listed result knows its count
        self.assertEqual(read_text(os.path.join(folder, ".count")),
                         "%d\n" % len(want))
        self.assertEqual(api_paths(self.emu), [])
        self.assertEqual(read_text(os.path.join(folder, "conditions")),
                         conditions + "\n")
        # grep -r over the root reads each member once; grep -R the query
        res = run(["grep", "-r", "-l", "Engineer", mnt.path])
        found = res.stdout.split()
        self.assertEqual(len([f for f in found if "/members/" in f]),
                         len(set(f for f in found if "/members/" in f)))
        self.assertFalse([f for f in found if f.endswith(".json") and
                          "/queries/" in f])
        res = run(["grep", "-R", "-l", "Engineer", folder])
        self.assertEqual(sorted(os.path.basename(f) for f in res.stdout.split()
                                if f.endswith(".json")), sorted(names))
        os.rmdir(folder)
        self.assertEqual(os.listdir(mnt.p("queries")), [])

    def test_a_condition_the_server_refuses_fails_the_close(self):
        mnt = self.mount("ttl=60")
        folder = self.make_query(mnt, "q", "callbacks", "inactiveFlag = false")
        with self.assertRaises(OSError) as ctx:
            write_close(os.path.join(folder, "conditions"), "title like\n")
        self.assertEqual(ctx.exception.errno, errno.EINVAL)
        self.assertIn("queries/q/conditions",
                      read_text(mnt.p(".cwmfs", "errors")))
        self.assertEqual(read_text(os.path.join(folder, "conditions")),
                         "inactiveFlag = false\n")  # the old one stays
        with self.assertRaises(OSError) as ctx:
            write_close(os.path.join(folder, "collection"), "nothing\n")
        self.assertEqual(ctx.exception.errno, errno.EINVAL)

    def test_fields_make_partial_read_only_objects(self):
        mnt = self.mount("ttl=60")
        folder = self.make_query(mnt, "titles", "members",
                                 'title like "%Engineer%"',
                                 fields="identifier,title")
        names = [n for n in os.listdir(folder) if n.endswith(".json")]
        self.assertTrue(names)
        for name in names:
            path = os.path.join(folder, name)
            self.assertFalse(os.path.islink(path))
            self.assertEqual(sorted(json.loads(read_text(path))),
                             ["identifier", "title"])
            with self.assertRaises(PermissionError):
                open(path, "w").close()

    def test_a_write_makes_a_query_stale(self):
        mnt = self.mount("ttl=60")
        folder = self.make_query(mnt, "chiefs", "members", 'title = "Chief"')
        self.assertEqual([n for n in os.listdir(folder)
                          if n.endswith(".json")], [])
        admin = mnt.p("members", "admin.json")
        obj = json.loads(read_text(admin))
        obj["title"] = "Chief"
        write_close(admin, json.dumps(obj, indent=2), os.O_WRONLY | os.O_TRUNC)
        self.assertEqual([n for n in os.listdir(folder)
                          if n.endswith(".json")], ["admin.json"])
        self.assertEqual(read_text(os.path.join(folder, ".count")), "1\n")

    def test_a_report_queried_with_conditions_and_columns(self):
        mnt = self.mount("ttl=60")
        folder = self.make_query(mnt, "active", "reports/Member",
                                 "inactiveFlag = false",
                                 columns="identifier,inactiveFlag")
        self.assertIn("result.json", os.listdir(folder))
        rows = json.loads(read_text(os.path.join(folder, "result.json")))
        answer = self.emu.curl(
            "reports/Member?conditions=%s&columns=identifier,inactiveFlag"
            "&pageSize=1000" % urllib.parse.quote("inactiveFlag = false"))
        cols = [list(c)[0] for c in answer["column_definitions"]]
        self.assertEqual(rows, [dict(zip(cols, r))
                                for r in answer["row_values"]])
        self.assertTrue(rows)
        self.assertEqual(sorted(rows[0]), ["identifier", "inactiveFlag"])
        self.assertEqual(read_text(os.path.join(folder, ".count")),
                         "%d\n" % len(rows))

    def test_saved_queries_come_from_the_config(self):
        cfg_dir = os.path.join(self.emu.tmp, "cfg-%s" % self.emu.dialect)
        os.makedirs(cfg_dir, exist_ok=True)
        cfg = write_config(cfg_dir, self.emu.url, **{
            "query.inactive": "members: inactiveFlag = true"})
        mnt = self.mount("ttl=60", config=cfg)
        self.assertEqual(os.listdir(mnt.p("queries")), ["inactive"])
        want = [m["identifier"] + ".json" for m in self.emu.curl_all(
            "members?conditions=inactiveFlag%20%3D%20true")]
        self.assertEqual([n for n in os.listdir(mnt.p("queries", "inactive"))
                          if n.endswith(".json")], want)
        bad = write_config(cfg_dir, self.emu.url, **{
            "query.x": "nowhere: a = 1"})
        with self.assertRaises(RuntimeError) as ctx:
            Mount(self.emu.url, config=bad)
        self.assertIn("query.x", str(ctx.exception))


class SeedApiFilesTest(ApiFileChecks, EmulatorTestCase):
    dialect = "seed"


class RealApiFilesTest(ApiFileChecks, EmulatorTestCase):
    dialect = "real"


class ReportRunTest(EmulatorTestCase):
    """The description's apiReports run through <id>.params and
    <id>.result (a real server's reports are reports/<name>: see
    test_dialects)."""

    dialect = "seed"

    def test_a_result_runs_the_report_with_its_params(self):
        mnt = self.mount("ttl=60")
        self.assertNotIn("1.result", os.listdir(mnt.p("apiReports")))
        self.assertEqual(read_text(mnt.p("apiReports", "1.params")), "{}\n")
        result = json.loads(read_text(mnt.p("apiReports", "1.result")))
        # report 1 is the member directory: a row per member
        self.assertEqual(sorted(r["identifier"] for r in result),
                         sorted(m["identifier"]
                                for m in self.emu.curl_all("members")))
        read_text(mnt.p("apiReports", "1.result"))
        runs = [p for p in api_paths(self.emu) if p[0] == "POST"]
        self.assertEqual(runs, [("POST", "apiReports/1/run", "")])
        write_close(mnt.p("apiReports", "1.params"), '{"inactiveFlag": true}')
        fewer = json.loads(read_text(mnt.p("apiReports", "1.result")))
        self.assertTrue(all(r["inactiveFlag"] for r in fewer))
        self.assertLess(len(fewer), len(result))
        runs = [p for p in api_paths(self.emu) if p[0] == "POST"]
        self.assertEqual(len(runs), 2)  # the close ran it; the read is free

    def test_params_the_server_refuses_fail_the_close(self):
        mnt = self.mount("ttl=60")
        with self.assertRaises(OSError) as ctx:
            write_close(mnt.p("apiReports", "1.params"), '{"bogus": 1}')
        self.assertEqual(ctx.exception.errno, errno.EINVAL)
        self.assertIn("bogus", read_text(mnt.p(".cwmfs", "errors")))
        self.assertEqual(read_text(mnt.p("apiReports", "1.params")), "{}\n")
        with self.assertRaises(OSError) as ctx:
            write_close(mnt.p("apiReports", "1.params"), "not json")
        self.assertEqual(ctx.exception.errno, errno.EINVAL)


if __name__ == "__main__":
    unittest.main()
