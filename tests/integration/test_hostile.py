"""A server that sends what no server should: every object it lists stays
reachable, one bad object never hides the rest, and nothing it does makes
the daemon die, hang a caller past -o timeout, follow it elsewhere with the
keys, or take unbounded memory.  Each case is one emulator fault
(cwmemu/testhooks.py) and one clear line in the log."""
import base64
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

from harness import EmulatorTestCase, listing_errno, read_text

MEMBERS = "members"


def member(mid, identifier, **fields):
    return {"id": mid, "identifier": identifier, "firstName": "F",
            "lastName": "L", **fields}


def link(emu, *rels):
    """A Link header naming pages of the members list by rel."""
    base = emu.base + "/members?pageSize=1000&page="
    return ", ".join('<%s%s>; rel="%s"' % (base, page, rel)
                     for rel, page in rels)


class HostileDataTest(EmulatorTestCase):

    members = 12

    def setUp(self):
        self.emu.hook("POST", "faults/reset")

    def fault(self, **spec):
        spec.setdefault("path_contains", "/system/members")
        self.emu.hook("POST", "faults", spec)

    def page_of(self, *items, status=200, **spec):
        """The next members page answers these items (raw JSON text)."""
        self.fault(status=status, raw_body="[" + ",".join(items) + "]",
                   **spec)

    def listing_gets(self):
        return [r for r in self.emu.requests() if r["method"] == "GET"
                and r["path"].endswith("/system/members")]

    # ---- names for every object ----

    def test_every_listed_object_has_a_name(self):
        long_id = "x" * 150 + "\u00e9" * 100  # 350 bytes of UTF-8
        made = [self.emu.hook("POST", "objects/members", body)["id"]
                for body in (member(None, long_id), member(None, ""),
                             member(None, "CaseOnly"),
                             member(None, "caseonly"))]
        mnt = self.mount()
        names = [n for n in os.listdir(mnt.p(MEMBERS)) if n != "types"]
        server = self.emu.curl_all(MEMBERS)
        self.assertEqual(len(names), len(server))
        cut = [n for n in names if n.endswith("%%23id%d.json" % made[0])]
        self.assertEqual(len(cut), 1, names)
        self.assertLessEqual(len(cut[0].encode()), 255)
        self.assertTrue(cut[0].startswith("x" * 150 + "\u00e9"))
        self.assertIn("%%23id%d.json" % made[1], names)
        self.assertIn("CaseOnly.json", names)
        self.assertIn("caseonly.json", names)
        for name, mid in ((cut[0], made[0]), ("%%23id%d.json" % made[1],
                                              made[1])):
            self.assertEqual(json.loads(read_text(mnt.p(MEMBERS, name)))["id"],
                             mid)
        self.assertEqual(json.loads(read_text(
            mnt.p(MEMBERS, "caseonly.json")))["id"], made[3])
        log = mnt.errors()
        self.assertEqual(log.count("too long for a file name"), 1, log)
        self.assertIn("has no identifier", log)
        # the substitution is said once, not at every listing
        mnt.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        os.listdir(mnt.p(MEMBERS))
        self.assertEqual(mnt.errors().count("too long for a file name"), 1)
        for mid in made:
            self.emu.hook("DELETE", "objects/members/%d" % mid)

    def test_bad_items_never_hide_the_rest(self):
        deep = "[" * 10000 + "]" * 10000
        self.page_of(json.dumps(member(1, "good1")), "5", "null", '"text"',
                     "[1, 2]", '{"id": 3, "identifier": {"not": "text"}}',
                     '{"id": 4, "identifier": "deep", "x": %s}' % deep,
                     json.dumps(member(2, "good2")))
        mnt = self.mount()
        names = os.listdir(mnt.p(MEMBERS))
        self.assertIn("good1.json", names)
        self.assertIn("good2.json", names)
        self.assertEqual(json.loads(read_text(
            mnt.p(MEMBERS, "good2.json")))["id"], 2)
        self.assertIn("%23id3.json", names)  # an identifier not text
        self.assertIn("members: 5 listed items are not files: 1 not JSON "
                      "cwmfs reads (nested too deep), 4 not objects",
                      mnt.errors())

    def test_invalid_utf8_is_passed_through_not_fatal(self):
        raw = (b'[{"id": 1, "identifier": "bad\xff\xfeutf", "firstName": '
               b'"\xc3\x28"}, {"id": 2, "identifier": "fine"}]')
        self.fault(status=200, raw_body_b64=base64.b64encode(raw).decode())
        mnt = self.mount()
        names = os.listdir(mnt.p(MEMBERS))
        self.assertIn("fine.json", names)
        with open(mnt.p(MEMBERS, "fine.json")) as f:
            self.assertEqual(json.load(f)["id"], 2)
        self.assertEqual(len(names), 3, names)  # and types/

    def test_null_where_an_object_is_expected(self):
        mnt = self.mount()
        self.fault(status=200, raw_body="null", path_contains="/system/info")
        self.fault(status=200, raw_body="null",
                   path_contains="/system/members/admin")
        # a singleton shows what the server said; an object is absent
        self.assertEqual(read_text(mnt.p("info")), "null\n")
        with self.assertRaises(FileNotFoundError):
            read_text(mnt.p(MEMBERS, "admin.json"))
        self.assertIn("members/admin: the server's answer is not an object",
                      mnt.errors())
        self.assertGreater(len(os.listdir(mnt.p(MEMBERS))), 5)

    def test_a_50_mb_object(self):
        big = member(1, "big", notes="n" * (50 << 20))
        self.page_of(json.dumps(big), json.dumps(member(2, "small")))
        mnt = self.mount()
        self.assertIn("big.json", os.listdir(mnt.p(MEMBERS)))
        st = os.stat(mnt.p(MEMBERS, "big.json"))
        self.assertGreater(st.st_size, 50 << 20)
        with open(mnt.p(MEMBERS, "big.json"), "rb") as f:
            self.assertEqual(len(f.read()), st.st_size)

    # ---- Link headers ----

    def test_a_link_that_never_ends_stops_at_max_pages(self):
        item = json.dumps(member(1, "loop"))
        self.page_of(item, count=1000,
                     headers={"Link": link(self.emu, ("next", 2))})
        mnt = self.mount("max_pages=5")
        self.assertEqual(listing_errno(mnt.p(MEMBERS)), errno.EFBIG)
        self.assertEqual(len(self.listing_gets()), 5)
        self.assertIn("-o max_pages=5 stops it there", mnt.errors())

    def test_a_last_page_far_away_is_refused_at_once(self):
        self.page_of(json.dumps(member(1, "first")), headers={
            "Link": link(self.emu, ("next", 2), ("last", 10 ** 12))})
        mnt = self.mount()
        self.assertEqual(listing_errno(mnt.p(MEMBERS)), errno.EFBIG)
        self.assertEqual(len(self.listing_gets()), 1)

    def test_a_link_to_another_host_is_never_followed(self):
        other = socket.socket()
        other.bind(("127.0.0.1", 0))
        other.listen(8)
        other.settimeout(0.1)
        self.addCleanup(other.close)
        elsewhere = "http://127.0.0.1:%d/steal?pageSize=1000&page=" % (
            other.getsockname()[1])
        self.page_of(json.dumps(member(1, "p1")), headers={
            "Link": '<%s2>; rel="next", <%s2>; rel="last"' % (elsewhere,
                                                            elsewhere)})
        mnt = self.mount()
        names = os.listdir(mnt.p(MEMBERS))
        self.assertIn("p1.json", names)
        with self.assertRaises(socket.timeout):
            other.accept()[0].close()
        # page 2 came from the server the mount was given
        self.assertEqual(len(self.listing_gets()), 2)

    # ---- bodies and pacing ----

    def test_html_500_is_one_clear_line(self):
        self.fault(status=500, content_type="text/html",
                   raw_body="<html><body><h1>Server Error</h1>" + "x" * 5000
                   + "</body></html>", path_contains="/system/members/admin")
        mnt = self.mount()
        with self.assertRaises(OSError) as cm:
            read_text(mnt.p(MEMBERS, "admin.json"))
        self.assertEqual(cm.exception.errno, errno.EIO)
        lines = [l for l in mnt.errors().splitlines() if "members/admin" in l]
        self.assertEqual(len(lines), 1, mnt.errors())
        self.assertLess(len(lines[0]), 700)

    def test_retry_after_far_away_is_not_waited_for(self):
        self.fault(status=429, retry_after=999999, count=5)
        mnt = self.mount()
        start = time.monotonic()
        self.assertEqual(listing_errno(mnt.p(MEMBERS)), errno.EAGAIN)
        self.assertLess(time.monotonic() - start, 5)
        self.assertIn("not waiting", mnt.errors())

    def test_a_trickling_server_is_given_up_on_within_the_timeout(self):
        self.fault(action="alter", trickle_bps=20, count=10)
        mnt = self.mount("timeout=3")
        start = time.monotonic()
        self.assertEqual(listing_errno(mnt.p(MEMBERS)), errno.ETIMEDOUT)
        elapsed = time.monotonic() - start
        self.assertGreater(elapsed, 2.5)
        self.assertLess(elapsed, 6)

    def killed_waits(self, argv):
        """Seconds a command stuck on the server takes to go once killed."""
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(0.7)
        self.assertIsNone(proc.poll(), "it should still be waiting")
        start = time.monotonic()
        proc.kill()
        proc.wait(15)
        return time.monotonic() - start

    def test_a_killed_reader_stops_waiting(self):
        self.fault(action="apply_then_delay", delay_ms=5000,
                   path_contains="/system/members/admin")
        mnt = self.mount()
        self.assertLess(self.killed_waits(
            ["cat", mnt.p(MEMBERS, "admin.json")]), 2.5)
        # the daemon goes on, and the next caller asks again
        self.assertEqual(json.loads(read_text(
            mnt.p(MEMBERS, "admin.json")))["id"], 1)

    HANDLED_SIGNAL_READER = r"""
import ctypes, os, signal, sys
signal.signal(signal.SIGUSR1, lambda *a: None)  # handled: not dying
libc = ctypes.CDLL(None, use_errno=True)
print("ready", flush=True)
fd = libc.open(sys.argv[1].encode(), os.O_RDONLY)  # no retry on EINTR
if fd < 0:
    print("errno", ctypes.get_errno(), flush=True)
else:
    print("ok", len(os.read(fd, 1 << 20)), flush=True)
"""

    def test_a_signal_the_caller_handles_does_not_fail_its_read(self):
        self.fault(action="apply_then_delay", delay_ms=2000,
                   path_contains="/system/members/admin")
        mnt = self.mount()
        proc = subprocess.Popen(
            [sys.executable, "-c", self.HANDLED_SIGNAL_READER,
             mnt.p(MEMBERS, "admin.json")], stdout=subprocess.PIPE, text=True)
        self.assertEqual(proc.stdout.readline().strip(), "ready")
        time.sleep(0.7)
        proc.send_signal(signal.SIGUSR1)
        out, _ = proc.communicate(timeout=30)
        self.assertTrue(out.startswith("ok "), out)

    def test_a_killed_listing_stops_waiting(self):
        self.fault(action="apply_then_delay", delay_ms=5000)
        mnt = self.mount()
        self.assertLess(self.killed_waits(["ls", "-l", mnt.p(MEMBERS)]), 2.5)
        self.assertIn("admin.json", os.listdir(mnt.p(MEMBERS)))

    def test_a_lying_content_length_is_retried_then_refused(self):
        self.fault(action="alter", content_length=10 ** 6, count=1)
        mnt = self.mount()
        self.assertGreater(len(os.listdir(mnt.p(MEMBERS))), 5)
        self.assertEqual(len(self.listing_gets()), 2)  # cut short, then whole
        mnt.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        self.fault(action="alter", content_length=10 ** 6, count=10)
        self.assertEqual(listing_errno(mnt.p(MEMBERS)), errno.EIO)

    def test_a_gzip_bomb_stops_at_max_response(self):
        self.fault(action="alter", gzip_bomb_mb=200, count=10)
        mnt = self.mount("max_response=8")
        self.assertEqual(listing_errno(mnt.p(MEMBERS)), errno.EFBIG)
        self.assertIn("-o max_response", mnt.errors())
        with open("/proc/%d/status" % mnt.proc.pid) as f:
            peak = [l for l in f if l.startswith("VmHWM")][0]
        self.assertLess(int(peak.split()[1]), 150 * 1024, peak)
        # one bomb, not one per retry
        self.assertEqual(len(self.listing_gets()), 1)


if __name__ == "__main__":
    unittest.main()
