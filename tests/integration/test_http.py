"""The HTTP side of a real mount: the headers ConnectWise expects, keep-alive,
gzip, retries of 429 and 503, stale data served through an outage, a dead
server, SIGHUP refresh and a configured codebase."""
import json
import os
import signal
import time
import unittest

from harness import (Emulator, EmulatorTestCase, Mount, api_calls,
                     close_checked, pretty,
                     write_config, run)


class HttpTest(EmulatorTestCase):

    members = 30

    def setUp(self):
        self.emu.hook("POST", "faults/reset")

    def detail(self):
        return self.emu.hook("GET", "requests/detail")

    def statuses(self, suffix):
        return [r["status"] for r in self.emu.requests()
                if r["path"].endswith("/system/" + suffix)]

    def read(self, path):
        with open(path) as f:
            return json.load(f)

    def test_headers_gzip_and_one_kept_alive_connection(self):
        mnt = self.mount()
        for d in ["members", "departments", "locations", "callbacks"]:
            run(["ls", "-l", mnt.p(d)])
        run(["cat", mnt.p("info"), mnt.p("myAccount")])
        reqs = self.detail()
        # myAccount: one GET on a server like the description; on a real
        # one, its 404, then mymembers and myAccount/{id}
        account = 1 if self.emu.dialect == "seed" else 3
        self.assertEqual(len(reqs), 4 + 1 + account)  # listings, info
        for r in reqs:
            h = r["headers"]
            self.assertEqual(h["accept"],
                             "application/vnd.connectwise.com+json; version=2025.8")
            self.assertEqual(h["clientid"], "11111111-2222-4333-8444-555555555555")
            self.assertIn("gzip", h["accept-encoding"])
            self.assertTrue(h["user-agent"].startswith("cwmfs/"))
        self.assertEqual(len({r["client_port"] for r in reqs}), 1,
                         "sequential calls must reuse one connection")

    def test_429_is_retried_after_retry_after(self):
        mnt = self.mount()
        self.emu.hook("POST", "faults", {"status": 429, "retry_after": 1,
                                         "path_contains": "members/admin"})
        start = time.monotonic()
        self.assertEqual(self.read(mnt.p("members", "admin.json"))["id"], 1)
        self.assertGreaterEqual(time.monotonic() - start, 0.9)
        self.assertEqual(self.statuses("members/admin"), [429, 200])

    def test_503_is_retried(self):
        expected = len(self.emu.curl_all("callbacks"))
        mnt = self.mount()
        self.emu.hook("POST", "faults", {"status": 503, "count": 2,
                                         "path_contains": "callbacks"})
        self.assertEqual(len(os.listdir(mnt.p("callbacks"))), expected)
        self.assertEqual(self.statuses("callbacks"), [503, 503, 200])

    # A 500 that is the server's verdict (a 500 speaking of a timeout is
    # retried: see below).
    FAILED = {"code": "InternalServerError", "errors": None,
              "message": "Object reference not set to an instance."}

    def test_500_is_an_error_without_cached_data(self):
        mnt = self.mount()
        self.emu.hook("POST", "faults", {"status": 500, "body": self.FAILED,
                                         "path_contains": "members/admin"})
        with self.assertRaises(OSError) as ctx:
            self.read(mnt.p("members", "admin.json"))
        self.assertEqual(ctx.exception.errno, 5)  # EIO
        self.assertEqual(self.statuses("members/admin"), [500])
        self.assertIn("members/admin", mnt.errors())

    def test_outage_serves_the_last_good_copy(self):
        mnt = self.mount("ttl=1")
        before = self.read(mnt.p("members", "admin.json"))
        time.sleep(2.2)  # TTL and the kernel's attribute timeout run out
        self.emu.hook("POST", "faults", {"status": 500, "count": 1,
                                         "body": self.FAILED,
                                         "path_contains": "members/admin"})
        self.assertEqual(self.read(mnt.p("members", "admin.json")), before)
        self.assertEqual(self.statuses("members/admin"), [200, 500])

    def test_500_speaking_of_a_timeout_is_retried(self):
        mnt = self.mount()
        self.emu.hook("POST", "faults", {
            "status": 500, "count": 1, "path_contains": "members/admin",
            "body": {"code": "InternalServerError", "errors": None,
                     "message": "An error occurred: Timeout expired."}})
        self.assertEqual(self.read(mnt.p("members", "admin.json"))["id"], 1)
        self.assertEqual(self.statuses("members/admin"), [500, 200])

    def test_page_size_option(self):
        expected = len(self.emu.curl_all("members"))
        mnt = self.mount("page_size=7")
        names = [n for n in os.listdir(mnt.p("members"))
                 if n.endswith(".json")]
        self.assertEqual(len(names), expected)
        pages = [r for r in api_calls(self.emu, "GET")
                 if r["path"] == "members"]
        self.assertTrue(pages and all("pageSize=7" in r["query"]
                                      for r in pages), pages)
        self.assertEqual(len(pages), -(-len(names) // 7))

    def member_pages(self, *options):
        """Lists members 5 a page (6 pages) with each call taking 150 ms;
        the client ports the pages came on, in page order."""
        mnt = self.mount("page_size=5", *options)
        self.emu.hook("POST", "latency", {"ms": 150})
        try:
            os.listdir(mnt.p("members"))
        finally:
            self.emu.hook("POST", "latency", {"ms": 0})
        pages = [r for r in self.detail()
                 if r["path"].endswith("/system/members")]
        self.assertEqual(len(pages), 6, pages)
        return [r["client_port"] for r in pages]

    def test_pages_after_the_first_are_fetched_at_once(self):
        # While one call waits 150 ms, no connection is free for the next:
        # pages fetched at once come on more than one connection.
        self.assertGreater(len(set(self.member_pages()[1:])), 1)
        self.assertEqual(len(set(self.member_pages("max_conns=1"))), 1)

    def test_refresh_on_sighup(self):
        mnt = self.mount("ttl=3600")
        self.read(mnt.p("members", "admin.json"))
        self.emu.hook("PATCH", "objects/members/1", {"title": "After HUP"})
        os.kill(mnt.proc.pid, signal.SIGHUP)
        time.sleep(1.2)  # the refresh runs on its own thread
        self.assertEqual(self.read(mnt.p("members", "admin.json"))["title"],
                         "After HUP")
        self.assertTrue(os.path.ismount(mnt.path), "SIGHUP must not unmount")

    def test_sighup_reaches_what_the_kernel_keeps(self):
        """The kernel keeps names, stats and text for the TTL; SIGHUP drops
        them too, at once: stat shows the server's new size with nothing
        else touching the mount first, and a read shows the new text."""
        mnt = self.mount("ttl=3600")
        path = mnt.p("members", "admin.json")
        before = os.stat(path).st_size
        self.read(path)
        self.emu.hook("PATCH", "objects/members/1",
                      {"title": "A title long enough to change the size"})
        self.assertEqual(os.stat(path).st_size, before, "kept for the TTL")
        os.kill(mnt.proc.pid, signal.SIGHUP)
        after = len(pretty(self.emu.curl("members/1")).encode())
        deadline = time.monotonic() + 5
        while os.stat(path).st_size != after and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(os.stat(path).st_size, after)
        self.assertEqual(self.read(path), self.emu.curl("members/1"))

    def test_configured_codebase_skips_discovery(self):
        cfg_dir = os.path.join(self.emu.tmp, "cb")
        os.makedirs(cfg_dir, exist_ok=True)
        cfg = write_config(cfg_dir, self.emu.url, codebase="v4_6_release/")
        self.emu.reset_requests()
        self.mount(config=cfg, reset=False)
        paths = [r["path"] for r in self.emu.requests()]
        self.assertEqual(paths, ["/v4_6_release/apis/3.0/system/info"])


class RelistTest(EmulatorTestCase):
    """A list listed before is listed again (a TTL's expiry, a refresh)
    with every page asked for at once: its page count last time is the
    guess, and page 1 corrects it.  30 members, 5 a page: 6 pages."""

    members = 30

    def listing(self, mnt, latency_ms=150):
        """The names listed after a refresh, and the GETs of the members
        list that the listing made: (page, client port) pairs."""
        with open(mnt.p(".cwmfs", "refresh"), "w") as f:
            f.write("\n")
        self.emu.reset_requests()
        self.emu.hook("POST", "latency", {"ms": latency_ms})
        try:
            names = sorted(n for n in os.listdir(mnt.p("members"))
                           if n.endswith(".json"))
        finally:
            self.emu.hook("POST", "latency", {"ms": 0})
        gets = [(int(r["query"].rsplit("page=", 1)[1]), r["client_port"])
                for r in self.emu.hook("GET", "requests/detail")
                if r["path"].endswith("/system/members")]
        return names, gets

    def server_names(self):
        return sorted(m["identifier"] + ".json"
                      for m in self.emu.curl_all("members"))

    def test_a_list_listed_before_asks_for_all_its_pages_at_once(self):
        mnt = self.mount("page_size=5", "ttl=3600")
        names, gets = self.listing(mnt)  # page 1, then 2..6 at once
        self.assertEqual(sorted(p for p, _ in gets), [1, 2, 3, 4, 5, 6])
        self.assertLess(len({port for _, port in gets}), 6)
        names_again, gets = self.listing(mnt)
        self.assertEqual(names_again, names)
        self.assertEqual(sorted(p for p, _ in gets), [1, 2, 3, 4, 5, 6])
        # six calls of 150 ms in flight at once: six connections
        self.assertEqual(len({port for _, port in gets}), 6, gets)

    def test_a_list_that_lost_pages_drops_those_past_its_end(self):
        mnt = self.mount("page_size=5", "ttl=3600")
        self.listing(mnt, latency_ms=0)
        gone = self.emu.curl_all("members")[8:]
        self.addCleanup(self.restore, gone)
        for m in gone:
            self.emu.hook("DELETE", "objects/members/%d" % m["id"])
        names, gets = self.listing(mnt)
        self.assertEqual(names, self.server_names())
        self.assertEqual(len(names), 8)
        # pages 1..6 asked at once; 3..6 wasted, once each
        self.assertEqual(sorted(p for p, _ in gets), [1, 2, 3, 4, 5, 6])
        names, gets = self.listing(mnt)
        self.assertEqual(sorted(p for p, _ in gets), [1, 2])

    def test_a_list_that_grew_is_fetched_to_its_new_end(self):
        mnt = self.mount("page_size=5", "ttl=3600")
        self.listing(mnt, latency_ms=0)
        made = [self.emu.hook("POST", "objects/members",
                              {"identifier": "grown%02d" % i,
                               "firstName": "G", "lastName": "R"})["id"]
                for i in range(12)]
        self.addCleanup(self.remove, made)
        names, gets = self.listing(mnt)
        self.assertEqual(names, self.server_names())
        self.assertEqual(len(names), 42)
        self.assertEqual(sorted(p for p, _ in gets), list(range(1, 10)))

    def restore(self, objects):
        """Puts deleted members back, as the class's other tests expect."""
        for obj in objects:
            self.emu.hook("POST", "objects/members", obj)

    def remove(self, ids):
        for mid in ids:
            self.emu.hook("DELETE", "objects/members/%d" % mid)


class WalkTest(EmulatorTestCase):
    """ls -l caught by a refresh half way: the rest of its stats are
    answered from one new listing, not one request each (walks.h)."""

    members = 1500

    def test_a_refresh_during_ls_l_lists_again_once(self):
        mnt = self.mount("ttl=3600")
        names = os.listdir(mnt.p("members"))  # ls has its names...
        self.assertGreater(len(names), 1500)
        self.emu.reset_requests()
        mnt.proc.send_signal(signal.SIGHUP)  # ...when the refresh comes
        time.sleep(0.5)
        for name in names:  # and -l stats each
            os.lstat(mnt.p("members", name))
        gets = [r["path"].rsplit("/system/", 1)[1] for r in self.emu.requests()]
        listings = [p for p in gets if p == "members"]
        self.assertEqual(len(listings), 2, gets)  # two pages, once
        self.assertLessEqual(len(gets), 8 + 2 + 2, gets)


class DeadServerTest(unittest.TestCase):
    """A server that goes away: errors, not hangs."""

    def test_stopped_server_gives_eio(self):
        emu = Emulator(members=3)
        self.addCleanup(emu.stop)
        mnt = Mount(emu.url)
        self.addCleanup(close_checked, mnt)
        emu.stop()
        start = time.monotonic()
        with self.assertRaises(OSError) as ctx:
            os.stat(mnt.p("members", "admin.json"))
        self.assertIn(ctx.exception.errno, (5, 111))  # EIO, ECONNREFUSED
        self.assertLess(time.monotonic() - start, 10)


if __name__ == "__main__":
    unittest.main()
