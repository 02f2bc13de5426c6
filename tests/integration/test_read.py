"""The read side on a real mount: every path of the tree, compared with what
the emulator holds (fetched directly with curl), and the request counts the
cache promises."""
import json
import os
import stat
import threading
import time
import unittest

from harness import (Emulator, EmulatorTestCase, Mount, MountedTestCase,
                     close_checked, run)

SINGLETONS = {"info": "info", "myAccount": "myAccount",
              "mySecurity": "mySecurity"}
# mount dir -> (endpoint, key field, writable)
# writable: what ConnectWise documents, which the modes show until the
# server refuses a write (test_dialects covers that)
COLLECTIONS = {
    "members": ("members", "identifier", True),
    "members/types": ("members/types", "id", True),
    "securityRoles": ("securityRoles", "id", False),
    "departments": ("departments", "id", True),
    "locations": ("locations", "id", True),
    "callbacks": ("callbacks", "id", True),
    "apiReports": ("apiReports", "id", False),
}


def pretty(obj):
    """What a file must hold: 2-space JSON in the server's key order."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def encode_name(key):
    """The reversible file-name encoding (see src/names.h)."""
    key = str(key)
    out = []
    for i, ch in enumerate(key):
        b = ch.encode()
        if (ch in "%/" or ord(ch) < 0x20 or ord(ch) == 0x7f
                or (i == 0 and ch == ".")
                or (i == len(key) - 1 and ch in " ~")):
            out.append("".join("%%%02X" % c for c in b))
        else:
            out.append(ch)
    return "".join(out) + ".json"


def at_once(n, fn):
    """Runs fn in n threads released together; returns what they returned."""
    barrier = threading.Barrier(n)
    results = []

    def run_one():
        barrier.wait()
        results.append(fn())

    threads = [threading.Thread(target=run_one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


class TreeTest(MountedTestCase):
    """Content equality for every path, with ls, cat, stat, find, grep, jq."""

    def collections(self):
        """COLLECTIONS as this server has them: apiReports is the user's
        description's only."""
        return {d: v for d, v in COLLECTIONS.items()
                if d != "apiReports" or self.emu.dialect == "seed"}

    def singletons(self):
        return dict(SINGLETONS, myAccount=self.emu.my_account_endpoint())

    def test_root_lists_every_resource(self):
        res = run(["ls", "-a", self.mnt.path])
        self.assertEqual(res.returncode, 0, res.stderr)
        # .cwmfs is reachable by name only (test_status)
        self.assertEqual(sorted(res.stdout.split()), sorted(
            [".", "..", "info", "myAccount", "mySecurity", "reports",
             "audittrail", "tokens", "queries"]
            + [d for d in self.collections() if "/" not in d]))
        self.assertIn("types", os.listdir(self.mnt.p("members")))

    def test_singletons_match_the_api(self):
        for name, endpoint in self.singletons().items():
            with self.subTest(name=name):
                expected = self.emu.curl(endpoint)
                if isinstance(expected, list):  # mySecurity is a paged list
                    expected = self.emu.curl_all(endpoint)
                res = run(["cat", self.mnt.p(name)])
                self.assertEqual(res.returncode, 0, res.stderr)
                self.assertEqual(res.stdout, pretty(expected))
                st = os.stat(self.mnt.p(name))
                self.assertEqual(st.st_size, len(pretty(expected).encode()))
                self.assertEqual(stat.S_IMODE(st.st_mode), 0o400)

    def test_collections_match_the_api(self):
        for directory, (endpoint, key, writable) in self.collections().items():
            with self.subTest(directory=directory):
                items = self.emu.curl_all(endpoint)
                self.assertGreater(len(items), 0)
                want = {encode_name(o[key]): o for o in items}
                names = [n for n in os.listdir(self.mnt.p(directory))
                         if n != "types"]
                self.assertEqual(sorted(names), sorted(want))
                for name, obj in want.items():
                    path = self.mnt.p(directory, name)
                    with open(path, encoding="utf-8") as f:
                        self.assertEqual(f.read(), pretty(obj))
                    st = os.stat(path)
                    self.assertEqual(st.st_size, len(pretty(obj).encode()))
                    self.assertEqual(stat.S_IMODE(st.st_mode),
                                     0o600 if writable else 0o400)
                # and one object fetched alone agrees with the listing
                one = next(iter(items))
                self.assertEqual(self.emu.curl("%s/%s" % (endpoint, one["id"])), one)

    def test_ls_l_and_stat(self):
        res = run(["ls", "-l", "--time-style=+%Y-%m-%dT%H:%M:%SZ",
                   self.mnt.p("members")], env={"TZ": "UTC"})
        self.assertEqual(res.returncode, 0, res.stderr)
        admin = self.emu.curl("members/admin")
        line = next(l for l in res.stdout.splitlines() if l.endswith(" admin.json"))
        fields = line.split()
        self.assertEqual(fields[0], "-rw-------")
        self.assertEqual(int(fields[4]), len(pretty(admin).encode()))
        self.assertEqual(fields[5], admin["_info"]["lastUpdated"])
        res = run(["stat", "-c", "%F %s %Y %i", self.mnt.p("members", "admin.json")])
        kind, size, mtime, ino = res.stdout.rsplit(None, 3)
        self.assertEqual(kind, "regular file")
        self.assertEqual(int(size), len(pretty(admin).encode()))
        again = run(["stat", "-c", "%i", self.mnt.p("members", "admin.json")])
        self.assertEqual(again.stdout.strip(), ino, "inode must stay stable")
        self.assertEqual(os.stat(self.mnt.p("members")).st_nlink, 3)

    def test_find_sees_every_file(self):
        prune = ["-path", self.mnt.p(".cwmfs"), "-prune", "-o"]
        res = run(["find", self.mnt.path, *prune, "-type", "f", "-print"])
        self.assertEqual(res.returncode, 0, res.stderr)
        expected = len(SINGLETONS) + sum(
            len(self.emu.curl_all(e)) for e, _, _ in self.collections().values())
        # reports are links (a walk runs none), so not -type f
        self.assertEqual(len(res.stdout.splitlines()), expected)
        dirs = run(["find", self.mnt.path, *prune, "-type", "d",
                    "-print"]).stdout.split()
        audit_types = os.listdir(self.mnt.p("audittrail"))
        self.assertEqual(len(dirs), 1 + len(self.collections()) + 1  # reports
                         + 1 + len(audit_types)  # audittrail and its types
                         + 2)  # tokens and queries, empty
        # cwmfs's own files: the status files, the error log and the
        # rejected texts
        meta = run(["find", self.mnt.p(".cwmfs")]).stdout.split()
        self.assertEqual(sorted(os.path.relpath(p, self.mnt.path) for p in meta),
                         [".cwmfs", ".cwmfs/config", ".cwmfs/errors",
                          ".cwmfs/refresh", ".cwmfs/rejected",
                          ".cwmfs/rejected/callbacks",
                          ".cwmfs/rejected/departments",
                          ".cwmfs/rejected/locations",
                          ".cwmfs/rejected/members",
                          ".cwmfs/rejected/members/types",
                          ".cwmfs/rejected/securityRoles", ".cwmfs/stats"])

    def test_grep_r_finds_what_the_api_holds(self):
        members = self.emu.curl_all("members")
        needle = "Zoë"
        want = sorted(encode_name(m["identifier"]) for m in members
                      if needle in json.dumps(m, ensure_ascii=False))
        self.assertTrue(want, "demo data should hold a unicode name")
        res = run(["grep", "-rl", needle, self.mnt.p("members")])
        self.assertEqual(res.returncode, 0, res.stderr)
        got = sorted(os.path.basename(p) for p in res.stdout.splitlines())
        self.assertEqual(got, want)

    def test_jq_reads_files(self):
        res = run(["jq", "-r", ".identifier, .id",
                   self.mnt.p("members", "admin.json")])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stdout.split(), ["admin", "1"])
        res = run(["jq", "-s", "length"] +
                  [self.mnt.p("callbacks", n)
                   for n in os.listdir(self.mnt.p("callbacks"))])
        self.assertEqual(int(res.stdout), len(self.emu.curl_all("callbacks")))

    def test_unknown_names_are_absent(self):
        for rel in ["nope", "members/nobody.json", "members/admin",
                    "callbacks/abc.json", "callbacks/007.json", "info/x"]:
            with self.subTest(rel=rel):
                self.assertFalse(os.path.exists(self.mnt.p(rel)))

    def test_read_only_resources_refuse_writes(self):
        for rel in ["info", "mySecurity", "securityRoles/1.json"]:
            with self.subTest(rel=rel):
                with self.assertRaises(PermissionError):
                    open(self.mnt.p(rel), "w").close()


class RequestCountTest(EmulatorTestCase):
    """Exact HTTP request counts, each on a fresh mount (cold caches)."""

    def api_requests(self):
        return [(r["method"], r["path"].split("/system/", 1)[1], r["query"])
                for r in self.emu.requests()]

    def test_mount_checks_credentials_once(self):
        self.mount(reset=False)
        paths = [r["path"] for r in self.emu.requests()]
        self.assertEqual(paths[-2:], ["/login/companyinfo/demo",
                                      "/v4_6_release/apis/3.0/system/info"])

    def test_ls_l_then_cat_and_grep_cost_one_listing(self):
        mnt = self.mount()
        run(["ls", "-l", mnt.p("members")])
        run(["sh", "-c", "cat %s/*.json > /dev/null" % mnt.p("members")])
        run(["grep", "-r", "admin", mnt.p("members")])
        self.assertEqual(self.api_requests(),
                         [("GET", "members", "pageSize=1000&page=1"),
                          ("GET", "members/types", "pageSize=1000&page=1")])

    def test_cat_of_a_collection_without_ls(self):
        mnt = self.mount()
        # the shell's glob lists the directory; cat then costs nothing
        run(["sh", "-c", "cat %s/*.json > /dev/null" % mnt.p("callbacks")])
        self.assertEqual(self.api_requests(),
                         [("GET", "callbacks", "pageSize=1000&page=1")])

    def test_lookup_of_an_unlisted_name_costs_one_get(self):
        mnt = self.mount()
        for _ in range(3):
            self.assertTrue(os.path.exists(mnt.p("members", "admin.json")))
            run(["cat", mnt.p("members", "admin.json")])
            run(["cat", mnt.p("callbacks", "1.json")])
        self.assertEqual(self.api_requests(),
                         [("GET", "members/admin", ""), ("GET", "callbacks/1", "")])

    def test_missing_name_costs_one_get_per_ttl(self):
        mnt = self.mount()
        for _ in range(3):
            self.assertFalse(os.path.exists(mnt.p("members", "ghost.json")))
        self.assertEqual(self.api_requests(), [("GET", "members/ghost", "")])

    def test_identifier_case_must_match(self):
        mnt = self.mount()
        self.assertFalse(os.path.exists(mnt.p("members", "ADMIN.json")))
        self.assertTrue(os.path.exists(mnt.p("members", "admin.json")))

    def test_concurrent_reads_make_one_request(self):
        mnt = self.mount()

        def read_admin():
            with open(mnt.p("members", "admin.json"), "rb") as f:
                return f.read()

        results = at_once(8, read_admin)
        self.assertEqual(len(results), 8)
        self.assertEqual(len(set(results)), 1)
        self.assertEqual(self.api_requests(), [("GET", "members/admin", "")])

    def test_concurrent_listings_make_one_request(self):
        mnt = self.mount()
        out = at_once(6, lambda: sorted(os.listdir(mnt.p("departments"))))
        self.assertEqual(len(out), 6)
        self.assertEqual(self.api_requests(),
                         [("GET", "departments", "pageSize=1000&page=1")])


class LargeOrgTest(EmulatorTestCase):
    """2,500 members: three pages of 1000, then nothing more."""

    members = 2500

    def test_three_pages_then_cache(self):
        mnt = self.mount()
        res = run(["ls", "-l", mnt.p("members")])
        self.assertEqual(res.returncode, 0, res.stderr)
        files = [l for l in res.stdout.splitlines() if l.endswith(".json")]
        self.assertEqual(len(files), 2500)
        res = run(["grep", "-rl", '"identifier"', mnt.p("members")])
        self.assertEqual(len(res.stdout.splitlines()), 2500)
        gets = [(r["path"].split("/system/")[1], r["query"])
                for r in self.emu.requests()]
        # page 1 names the last; pages 2 and 3 are then asked at once
        self.assertEqual(gets[0], ("members", "pageSize=1000&page=1"))
        self.assertEqual(sorted(gets[1:]), [
            ("members", "pageSize=1000&page=2"),
            ("members", "pageSize=1000&page=3"),
            ("members/types", "pageSize=1000&page=1")])
        # pages fetched at once still come out in the server's order
        os.mkdir(mnt.p("queries", "desc"))
        for name, value in (("collection", "members"),
                            ("orderBy", "identifier desc")):
            with open(mnt.p("queries", "desc", name), "w") as f:
                f.write(value + "\n")
        listed = [n for n in os.listdir(mnt.p("queries", "desc"))
                  if n.endswith(".json")]
        self.assertEqual(listed, [
            encode_name(m["identifier"]) for m in
            self.emu.curl_all("members?orderBy=identifier%20desc")])
        # spot-check content against the API
        want = self.emu.curl("members/2500")
        path = mnt.p("members", encode_name(want["identifier"]))
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), pretty(want))


class TtlTest(EmulatorTestCase):
    """After the TTL a changed object shows its new content; before, not."""

    members = 10

    def test_expiry(self):
        mnt = self.mount("ttl=2")
        path = mnt.p("members", "admin.json")
        with open(path) as f:
            before = json.load(f)
        self.emu.hook("PATCH", "objects/members/1", {"title": "Changed Title"})
        self.emu.reset_requests()
        with open(path) as f:
            self.assertEqual(json.load(f)["title"], before["title"])
        self.assertEqual(self.emu.requests(), [], "served from cache")
        time.sleep(3.2)  # the TTL of 2 s, and the kernel's 1 s name cache
        with open(path) as f:
            after = json.load(f)
        self.assertEqual(after["title"], "Changed Title")
        self.assertEqual(after, self.emu.curl("members/1"))
        self.assertEqual(os.stat(path).st_size, len(pretty(after).encode()))


class EncodedNamesTest(MountedTestCase):
    """Server values that would make invalid or misleading names."""

    TRICKY = ["a/b", "50%", ".hidden", "..", "x~", "tab\there", "日本"]

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(members=5)
        cls.addClassCleanup(cls.emu.stop)
        for i, ident in enumerate(cls.TRICKY):
            cls.emu.hook("POST", "objects/members",
                         {"id": 900 + i, "identifier": ident,
                          "firstName": "Tricky", "lastName": str(i)})
        cls.mnt = Mount(cls.emu.url)
        cls.addClassCleanup(close_checked, cls.mnt)

    def test_names_are_encoded_and_reversible(self):
        names = set(os.listdir(self.mnt.p("members")))
        for ident in self.TRICKY:
            with self.subTest(ident=ident):
                name = encode_name(ident)
                self.assertIn(name, names)
                self.assertFalse(name.startswith("."))
                with open(self.mnt.p("members", name)) as f:
                    self.assertEqual(json.load(f)["identifier"], ident)
        self.assertEqual(sorted(names), sorted(
            [encode_name(m["identifier"]) for m in self.emu.curl_all("members")]
            + ["types"]))

    def test_non_canonical_spellings_do_not_alias(self):
        os.listdir(self.mnt.p("members"))
        for alias in ["a%2fb.json", "50%.json", "%61dmin.json"]:
            with self.subTest(alias=alias):
                self.assertFalse(os.path.exists(self.mnt.p("members", alias)))

    def test_lookup_without_listing_uses_the_decoded_identifier(self):
        mnt = Mount(self.emu.url)
        self.addCleanup(close_checked, mnt)
        self.emu.reset_requests()
        with open(mnt.p("members", "a%2Fb.json")) as f:
            self.assertEqual(json.load(f)["identifier"], "a/b")
        self.assertEqual([r["path"].split("/system/")[1]
                          for r in self.emu.requests()], ["members/a%2Fb"])


if __name__ == "__main__":
    unittest.main()
