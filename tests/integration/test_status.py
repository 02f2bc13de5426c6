"""The mount's own status, as an admin reads it: /.cwmfs is not listed
(grep -r and find do not walk it) but is reachable by name; its `stats`
counts what the mount did, `config` shows the settings with credentials
masked, and a write to `refresh` drops the caches.  A long listing tells
its progress in `stats` and in the log; at debug level each request has
one log line, never with credentials."""
import errno
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (CWMFS_BIN, PRIVATE, PUBLIC, EmulatorTestCase,
                     listing_errno, read_text, run, write_close, write_config)


def stats(mnt):
    return read_text(mnt.p(".cwmfs", "stats"))


def sanitized():
    """Whether the binary under test is built with AddressSanitizer, whose
    malloc replaces glibc's."""
    out = subprocess.run(["ldd", CWMFS_BIN], capture_output=True, text=True)
    return "libasan" in out.stdout


def count_of(text, label):
    """The number after `label` in a stats text (0 when absent)."""
    m = re.search(r"^\s*%s: (\d+)" % re.escape(label), text, re.M)
    return int(m.group(1)) if m else 0


class HiddenTest(EmulatorTestCase):

    def test_the_status_folder_is_hidden_but_reachable(self):
        mnt = self.mount()
        self.assertNotIn(".cwmfs", os.listdir(mnt.path))
        self.assertNotIn(".cwmfs", run(["ls", "-a", mnt.path]).stdout.split())
        found = run(["find", "."], cwd=mnt.path).stdout.split("\n")
        self.assertFalse([f for f in found if f.startswith("./.cwmfs")])
        grep = run(["grep", "-rl", "uptime", "."], cwd=mnt.path)
        self.assertNotIn(".cwmfs", grep.stdout)
        self.assertEqual(sorted(os.listdir(mnt.p(".cwmfs"))),
                         ["config", "errors", "refresh", "rejected", "stats"])
        self.assertTrue(os.path.isdir(mnt.p(".cwmfs")))


class StatsTest(EmulatorTestCase):

    def test_stats_count_requests_bytes_cache_and_open_files(self):
        mnt = self.mount()
        names = [n for n in os.listdir(mnt.p("members")) if n.endswith(".json")]
        for name in names[:5]:
            read_text(mnt.p("members", name))
        for name in names[:5]:  # again: from the cache
            read_text(mnt.p("members", name))
        gets = len(self.emu.gets())
        with open(mnt.p("members", names[0])):
            text = stats(mnt)
        # the mount's own GETs since mounting include those logged here
        self.assertGreaterEqual(count_of(text, "GET 200"), gets)
        self.assertRegex(text, r"(?m)^requests: \d+ \(\d+ HTTP exchanges: "
                               r"0 retries, 0 transport failures\)$")
        self.assertRegex(text, r"(?m)^bytes: [1-9]\d* received, 0 sent$")
        self.assertRegex(text, r"(?m)^latency: p50 [\d.]+ ms, p95 [\d.]+ ms "
                               r"\(of the last \d+ requests\), max [\d.]+ ms$")
        self.assertRegex(text, r"(?m)^cache: [1-9]\d* hits, \d+ misses")
        self.assertRegex(text, r"(?m)^uptime: 0d 00:0\d:\d\d \(mounted ")
        if sanitized():  # its malloc is not glibc's: nothing to read
            self.assertIn("\nmemory: not known (malloc is not glibc's)\n",
                          text)
        else:
            self.assertRegex(text, r"(?m)^memory: [1-9][\d.]* MB in use, "
                                   r"[\d.]+ MB free in malloc's arenas$")
        # the member held open (stats is counted after its text is made)
        self.assertEqual(count_of(text, "open files"), 1)
        self.assertEqual(count_of(stats(mnt), "open files"), 0)

    def test_a_refused_request_is_counted_by_its_status(self):
        mnt = self.mount()
        self.emu.hook("POST", "faults", {
            "path_contains": "/system/members", "status": 500,
            "body": {"code": "InternalServerError", "errors": None,
                     "message": "Object reference not set to an instance."}})
        self.assertEqual(listing_errno(mnt.p("members")), errno.EIO)
        text = stats(mnt)
        self.assertEqual(count_of(text, "GET 500"), 1)  # this 500 is final
        self.assertRegex(text, r"\(\d+ HTTP exchanges: 0 retries")
        self.emu.hook("POST", "faults/reset")
        os.listdir(mnt.p("members"))
        self.assertEqual(count_of(stats(mnt), "GET 500"), 1)
        self.assertEqual(count_of(stats(mnt), "GET 200"),
                         count_of(text, "GET 200") + 1)


    def test_a_retried_request_counts_once_with_its_retry(self):
        mnt = self.mount()
        self.emu.hook("POST", "faults", {"path_contains": "/system/members",
                                         "status": 503})
        os.listdir(mnt.p("members"))
        text = stats(mnt)
        self.assertRegex(text, r"(?m)^requests: (\d+) \((\d+) HTTP exchanges: "
                               r"1 retries")
        self.assertEqual(count_of(text, "GET 503"), 0)


class ConfigTest(EmulatorTestCase):

    def test_config_shows_the_effective_settings_without_credentials(self):
        mnt = self.mount("ttl=42", "max_conns=3")
        text = read_text(mnt.p(".cwmfs", "config"))
        self.assertIn("ttl = 42\n", text)
        self.assertIn("max_conns = 3\n", text)
        self.assertIn("url = %s\n" % self.emu.url, text)
        self.assertIn("config = %s\n" % mnt.config, text)
        self.assertIn("private_key = (set, not shown)\n", text)
        self.assertIn("public_key = (set, not shown)\n", text)
        self.assertIn("api_base = %s\n" % self.emu.base, text)
        self.assertNotIn(PRIVATE, text)
        self.assertNotIn(PUBLIC, text)
        with self.assertRaises(PermissionError):
            write_close(mnt.p(".cwmfs", "config"), b"ttl = 1\n")


class RefreshTest(EmulatorTestCase):

    def test_a_write_to_refresh_drops_the_caches_before_close_returns(self):
        mnt = self.mount("ttl=600")
        path = mnt.p("members", "admin.json")
        before = json.loads(read_text(path))
        self.emu.hook("PATCH", "objects/members/%d" % before["id"],
                      {"title": "Changed behind the mount"})
        self.assertEqual(json.loads(read_text(path))["title"],
                         before["title"])  # cached for the TTL
        self.emu.reset_requests()
        write_close(mnt.p(".cwmfs", "refresh"), b"1\n")
        self.assertEqual(json.loads(read_text(path))["title"],
                         "Changed behind the mount")
        self.assertEqual(len(self.emu.gets()), 1)

    def test_refresh_reads_as_a_hint_and_a_bare_truncate_refreshes(self):
        mnt = self.mount("ttl=600")
        self.assertIn("SIGHUP", read_text(mnt.p(".cwmfs", "refresh")))
        os.listdir(mnt.p("members"))
        self.emu.reset_requests()
        run(["sh", "-c", ": > .cwmfs/refresh"], cwd=mnt.path)
        os.listdir(mnt.p("members"))
        self.assertEqual(len(self.emu.gets("members")), 1)


class XattrTest(EmulatorTestCase):

    def test_getfattr_shows_what_the_object_says_without_a_request(self):
        mnt = self.mount()
        names = [n for n in os.listdir(mnt.p("members")) if n.endswith(".json")]
        self.emu.reset_requests()
        res = run(["getfattr", "-d", "--absolute-names",
                   *[mnt.p("members", n) for n in names]])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.emu.requests(), [])  # from the listing's copy
        path = mnt.p("members", names[0])
        obj = json.loads(read_text(path))
        attrs = {n: os.getxattr(path, n).decode() for n in os.listxattr(path)}
        self.assertEqual(sorted(attrs), ["user.cwm.fetched", "user.cwm.href",
                                         "user.cwm.id", "user.cwm.lastUpdated",
                                         "user.cwm.updatedBy"])
        self.assertEqual(attrs["user.cwm.id"], str(obj["id"]))
        self.assertEqual(attrs["user.cwm.href"],
                         "%s/members/%d" % (self.emu.base, obj["id"]))
        self.assertEqual(attrs["user.cwm.lastUpdated"],
                         obj["_info"]["lastUpdated"])
        self.assertEqual(attrs["user.cwm.updatedBy"], obj["_info"]["updatedBy"])
        fetched = time.mktime(time.strptime(attrs["user.cwm.fetched"],
                                            "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
        self.assertLess(abs(fetched - time.time()), 60)
        self.assertIn('user.cwm.id="%d"' % obj["id"], res.stdout)
        self.assertEqual(self.emu.requests(), [])  # the read too: listed

    def test_they_are_read_only_and_only_on_object_files(self):
        mnt = self.mount()
        path = mnt.p("members", "admin.json")
        with self.assertRaises(OSError) as caught:
            os.setxattr(path, "user.cwm.id", b"7")
        self.assertEqual(caught.exception.errno, errno.EOPNOTSUPP)
        with self.assertRaises(OSError) as caught:
            os.getxattr(path, "user.other")
        self.assertEqual(caught.exception.errno, errno.ENODATA)
        # no ACLs or security labels: ls -l then stops asking this mount
        for name in ("security.selinux", "system.posix_acl_access"):
            with self.assertRaises(OSError) as caught:
                os.getxattr(path, name)
            self.assertEqual(caught.exception.errno, errno.EOPNOTSUPP)
        self.assertEqual(os.listxattr(mnt.p("members")), [])
        self.assertEqual(os.listxattr(mnt.p("info")), [])

    @unittest.skipUnless(shutil.which("strace"), "needs strace")
    def test_ls_l_asks_for_acls_and_labels_once_not_per_file(self):
        mnt = self.mount()
        res = run(["strace", "-f", "-e", "trace=getxattr,lgetxattr", "ls", "-l",
                   mnt.p("members")])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertLessEqual(res.stderr.count("xattr("), 2, res.stderr)

    def test_noxattr_turns_them_off(self):
        mnt = self.mount("noxattr")
        path = mnt.p("members", "admin.json")
        for _ in range(2):  # the first ENOSYS tells the kernel to stop asking
            with self.assertRaises(OSError) as caught:
                os.getxattr(path, "user.cwm.id")
            self.assertEqual(caught.exception.errno, errno.EOPNOTSUPP)
        self.assertIn("xattr = no\n", read_text(mnt.p(".cwmfs", "config")))


class ProgressTest(EmulatorTestCase):
    members = 1200

    def test_a_long_listing_shows_its_progress_in_stats_and_the_log(self):
        mnt = self.mount("page_size=100", "max_conns=1", "log_level=info")
        self.emu.hook("POST", "latency", {"ms": 150})
        self.addCleanup(self.emu.hook, "POST", "latency", {"ms": 0})
        lister = threading.Thread(target=os.listdir, args=(mnt.p("members"),))
        lister.start()
        seen, deadline = set(), time.monotonic() + 30
        while lister.is_alive() and time.monotonic() < deadline:
            seen.update(re.findall(r"members: page (\d+) of 12", stats(mnt)))
            time.sleep(0.1)
        lister.join(30)
        self.assertTrue(len(seen) >= 3, seen)
        self.assertNotIn("members: page", stats(mnt))
        log = mnt.errors()
        self.assertRegex(log, r"listing members: page \d+ of 12, [\d.]+ s "
                              r"so far")
        self.assertRegex(log, r"listing members: 12 pages in [\d.]+ s")


class DebugLogTest(EmulatorTestCase):

    def test_debug_says_one_line_per_request_and_no_credentials(self):
        mnt = self.mount("log_level=debug", reset=False)
        os.listdir(mnt.p("members"))
        read_text(mnt.p("members", "admin.json"))
        log = mnt.errors()
        lines = re.findall(r"(GET|POST) (/\S+) -> (\d+), [\d.]+ ms, (\d+) "
                           r"bytes, (\d+) retr", log)
        paths = [p for _, p, _, _, _ in lines]
        self.assertTrue(any("/system/members?" in p for p in paths), paths)
        self.assertEqual(len(lines), len(self.emu.requests()))
        for secret in (PRIVATE, PUBLIC, "Authorization", "Basic "):
            self.assertNotIn(secret, log)


class SyslogTest(EmulatorTestCase):
    """As a daemon, cwmfs logs to syslog under an ident naming its profile.
    The test stands in for the system logger at /dev/log, so it runs only
    where none is (a container, CI) and as root."""

    def listen_as_syslog(self):
        if os.geteuid() != 0 or os.path.exists("/dev/log"):
            self.skipTest("needs root and no system logger at /dev/log")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind("/dev/log")
        self.addCleanup(os.unlink, "/dev/log")
        self.addCleanup(sock.close)
        sock.settimeout(0.5)
        return sock

    def daemon(self, profile):
        tmp = tempfile.mkdtemp(prefix="cwmfs-syslog-")
        self.addCleanup(shutil.rmtree, tmp, True)
        mnt = os.path.join(tmp, "mnt")
        os.mkdir(mnt)
        config = write_config(tmp, self.emu.url, profile=profile)
        res = run([CWMFS_BIN, "-o", "config=" + config, "-o", "log_level=debug",
                   profile, mnt])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.addCleanup(run, ["fusermount3", "-u", "-z", mnt])
        self.assertTrue(os.path.ismount(mnt))
        return mnt

    def test_a_daemon_logs_under_its_profile_without_credentials(self):
        sock = self.listen_as_syslog()
        mnt = self.daemon("work")
        os.listdir(os.path.join(mnt, "members"))
        said, deadline = [], time.monotonic() + 10
        while time.monotonic() < deadline and not any(
                "/system/members?" in m for m in said):
            try:
                said.append(sock.recv(65536).decode("utf-8", "replace"))
            except socket.timeout:
                pass
        run(["fusermount3", "-u", mnt])
        lines = [m for m in said if "/system/members?" in m]
        self.assertTrue(lines, said)
        self.assertRegex(lines[0], r"^<\d+>.*cwmfs-work\[\d+\]: GET "
                                   r"/\S+/system/members\?\S+ -> 200, ")
        for m in said:
            for secret in (PRIVATE, PUBLIC, "Authorization"):
                self.assertNotIn(secret, m)


if __name__ == "__main__":
    unittest.main()
