"""First-run help: cwmfs --init [profile] asks for the site, company and
keys, checks them with the server and only then writes a 0600 profile that
mounts; cwmfs --check [profile] checks a profile without mounting.  Neither
ever shows a key: not in what it prints, and not on the terminal the
private key is typed at."""
import os
import pty
import re
import select
import shutil
import stat
import tempfile
import time
import unittest

from harness import (CLIENT_ID, CODEBASE, COMPANY, CWMFS_BIN, PRIVATE, PUBLIC,
                     SANITIZER_MARKS, TIMEOUT, EmulatorTestCase, Mount,
                     clean_env, close_checked, run, write_config)

WRONG = "wrongkey42"  # a bad private key, looked for in every output


class FirstRunTestCase(EmulatorTestCase):

    members = 5

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cwmfs-firstrun-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.xdg = os.path.join(self.tmp, "xdg")
        self.config = os.path.join(self.xdg, "cwmfs", "config")
        self.env = dict(clean_env(), XDG_CONFIG_HOME=self.xdg,
                        HOME=os.path.join(self.tmp, "home"))

    def answers(self, private=PRIVATE, company=COMPANY, url=None):
        return "\n".join([url or self.emu.url, company, PUBLIC, private,
                          CLIENT_ID]) + "\n"

    def cwmfs(self, *args, stdin="", env=None):
        """Runs cwmfs (no mount); fails on a sanitizer report or a key in
        its output."""
        res = run([CWMFS_BIN, *args], input=stdin,
                  env=env if env is not None else self.env)
        self.assertClean(res.stdout + res.stderr)
        return res

    def assertClean(self, text):
        for secret in (PRIVATE, PUBLIC, WRONG):
            self.assertNotIn(secret, text)
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, text)

    def one_line(self, res):
        """The refusal: non-zero, nothing on stdout, one line on stderr."""
        self.assertNotEqual(res.returncode, 0, res.stdout)
        self.assertEqual(res.stdout, "")
        lines = res.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, res.stderr)
        return lines[0]

    def mount_reads_admin(self, profile=None):
        mnt = Mount(self.emu.url, profile=profile, config=self.config,
                    env=clean_env())
        self.addCleanup(close_checked, mnt)
        with open(mnt.p("members", "admin.json")) as f:
            self.assertIn('"identifier": "admin"', f.read())


class InitTest(FirstRunTestCase):

    def test_init_writes_a_private_profile_that_mounts(self):
        res = self.cwmfs("--init", stdin=self.answers())
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stderr, "")
        self.assertEqual(len(res.stdout.splitlines()), 1, res.stdout)
        self.assertIn("wrote [default] to " + self.config, res.stdout)
        self.assertIn("member admin", res.stdout)
        self.assertEqual(stat.S_IMODE(os.stat(self.config).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(
            self.config)).st_mode) & 0o077, 0)
        with open(self.config) as f:
            text = f.read()
        self.assertIn("private_key = %s\n" % PRIVATE, text)
        self.assertNotIn("codebase", text)  # discovered at every mount
        self.mount_reads_admin()

        # A second profile: the first stays as it was, byte for byte.
        res = self.cwmfs("--init", "staging", stdin=self.answers())
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("cwmfs staging <mountpoint>", res.stdout)
        with open(self.config) as f:
            both = f.read()
        self.assertTrue(both.startswith(text), both)
        self.assertIn("\n[staging]\n", both)
        self.assertEqual(stat.S_IMODE(os.stat(self.config).st_mode), 0o600)
        self.mount_reads_admin(profile="staging")

    def test_init_tightens_an_existing_readable_file(self):
        os.makedirs(os.path.dirname(self.config))
        with open(self.config, "w") as f:
            f.write("[other]\nurl = https://example.com\n")
        os.chmod(self.config, 0o644)  # no key in it yet: allowed so far
        res = self.cwmfs("--init", "-o", "config=" + self.config,
                         stdin=self.answers())
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(self.config).st_mode), 0o600)
        with open(self.config) as f:
            self.assertTrue(f.read().startswith(
                "[other]\nurl = https://example.com\n\n[default]\n"))

    def test_wrong_private_key_writes_nothing(self):
        res = self.cwmfs("--init", stdin=self.answers(private=WRONG))
        line = self.one_line(res)
        self.assertIn("401", line)
        self.assertIn("key", line)
        self.assertIn("nothing written", line)
        self.assertFalse(os.path.exists(self.xdg), os.listdir(self.tmp))

    def test_wrong_key_leaves_an_existing_file_alone(self):
        path = write_config(self.tmp, self.emu.url, profile="old")
        with open(path, "rb") as f:
            before = f.read()
        res = self.cwmfs("--init", "-o", "config=" + path,
                         stdin=self.answers(private=WRONG))
        self.assertIn("401", self.one_line(res))
        with open(path, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertEqual(sorted(os.listdir(self.tmp)), ["config"])

    def test_wrong_company_and_unreachable_url(self):
        line = self.one_line(self.cwmfs(
            "--init", stdin=self.answers(company="nosuchco")))
        self.assertIn("nosuchco", line)
        self.assertIn("company id", line)
        # a port nothing listens on: take one, then let it go
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = "http://127.0.0.1:%d" % s.getsockname()[1]
        line = self.one_line(self.cwmfs(
            "--init", stdin=self.answers(url=dead)))
        self.assertIn("cannot reach", line)
        self.assertIn("site URL", line)
        line = self.one_line(self.cwmfs(
            "--init", stdin=self.answers(url="http://10.9.8.7")))
        self.assertIn("loopback", line)  # refused before anything is sent
        self.assertFalse(os.path.exists(self.xdg))

    def test_existing_profile_is_refused_before_any_question(self):
        path = write_config(self.tmp, self.emu.url)
        with open(path, "rb") as f:
            before = f.read()
        self.emu.reset_requests()
        res = self.cwmfs("--init", "-o", "config=" + path,
                         stdin=self.answers())
        line = self.one_line(res)
        self.assertIn("[default] already exists", line)
        self.assertIn("--check", line)
        self.assertEqual(self.emu.requests(), [])
        with open(path, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_input_that_ends_early(self):
        line = self.one_line(self.cwmfs("--init", stdin=self.emu.url + "\n"))
        self.assertIn("ended before the company id", line)

    def test_options_and_help(self):
        res = self.cwmfs("-h")
        self.assertIn("--init [profile]", res.stdout)
        self.assertIn("--check [profile]", res.stdout)
        line = self.one_line(self.cwmfs("--init", "acme", self.tmp))
        self.assertIn("no mountpoint", line)
        line = self.one_line(self.cwmfs("--init", "bad]name"))
        self.assertIn("profile name", line)


class TerminalTest(FirstRunTestCase):
    """--init at a real terminal (a pty): the private key is not echoed,
    and the terminal gets its echo back afterwards."""

    def drive(self, script, replies):
        """Runs sh -c script on a new pty; replies: (prompt, answer) pairs,
        each answer typed once its prompt shows.  (exit status, screen)."""
        pid, fd = pty.fork()
        if pid == 0:  # the child: never back into unittest
            try:
                os.execve("/bin/sh", ["/bin/sh", "-c", script],
                          dict(self.env, CWMFS_BIN=CWMFS_BIN))
            finally:
                os._exit(127)
        screen = b""
        try:
            for prompt, answer in replies:
                screen = self.read_until(fd, screen, prompt.encode())
                os.write(fd, answer.encode() + b"\n")
            screen = self.read_until(fd, screen, None)
        finally:
            os.close(fd)
            _, status = os.waitpid(pid, 0)
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark.encode(), screen)
        return os.waitstatus_to_exitcode(status), screen.decode("utf-8",
                                                                "replace")

    def read_until(self, fd, screen, want):
        """Reads the pty until want shows after what was read (None: until
        the program ends)."""
        start, deadline = len(screen), time.monotonic() + TIMEOUT
        while want is None or want not in screen[start:]:
            if time.monotonic() > deadline:
                self.fail("waited for %r; the screen:\n%s" % (want, screen))
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the program ended
                data = b""
            if not data:
                if want is None:
                    return screen
                self.fail("ended before %r; the screen:\n%s" % (want, screen))
            screen += data
        return screen

    def replies(self, private):
        return [("site URL", self.emu.url), ("company id", COMPANY),
                ("public key", PUBLIC), ("private key", private),
                ("clientId", CLIENT_ID)]

    def stty_echo(self, screen):
        """Whether stty -a (run after cwmfs) shows echo on."""
        self.assertIn("stty:", screen)
        after = screen.split("stty:", 1)[1]
        if re.search(r"(^|\s)-echo(\s|$)", after):
            return False
        return bool(re.search(r"(^|\s)echo(\s|$)", after))

    def test_private_key_is_not_echoed(self):
        rc, screen = self.drive(
            '"$CWMFS_BIN" --init; rc=$?; echo stty:; stty -a; exit $rc',
            self.replies(PRIVATE))
        self.assertEqual(rc, 0, screen)
        self.assertIn(PUBLIC, screen)  # typed and echoed, as it should be
        self.assertNotIn(PRIVATE, screen)
        self.assertIn("private key (not shown): ", screen)
        self.assertIn("wrote [default]", screen)
        self.assertTrue(self.stty_echo(screen), screen)
        self.assertEqual(stat.S_IMODE(os.stat(self.config).st_mode), 0o600)

    def test_echo_comes_back_after_a_refusal(self):
        rc, screen = self.drive(
            '"$CWMFS_BIN" --init; rc=$?; echo stty:; stty -a; exit $rc',
            self.replies(WRONG))
        self.assertNotEqual(rc, 0, screen)
        self.assertNotIn(WRONG, screen)
        self.assertIn("401", screen)
        self.assertTrue(self.stty_echo(screen), screen)
        self.assertFalse(os.path.exists(self.config))


class CheckTest(FirstRunTestCase):

    def check(self, *args, env=None):
        return self.cwmfs("--check", *args, env=env)

    def test_check_reports_what_it_found(self):
        path = write_config(self.tmp, self.emu.url)
        res = self.check("-o", "config=" + path)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stderr, "")
        out = res.stdout
        info = self.emu.curl("info")
        me = self.emu.curl("mymembers")
        self.assertIn("codebase:       %s (from login/companyinfo)"
                      % CODEBASE, out)
        self.assertIn("server version: %s" % info["version"], out)
        self.assertIn("API:            %s/%sapis/3.0/system"
                      % (self.emu.url, CODEBASE), out)
        pinned = info["version"].lstrip("v").split(".")
        self.assertIn("API version:    %s.%s (the server's own"
                      % tuple(pinned[:2]), out)
        self.assertIn("member:         %s (id %d" % (me["identifier"],
                                                     me["id"]), out)
        self.assertIn("(public and private key not shown)", out)
        self.assertTrue(out.endswith("all checks passed\n"), out)
        self.assertFalse(any(r["method"] != "GET"
                             for r in self.emu.requests()))

    def test_check_of_what_init_wrote_and_a_pinned_version(self):
        self.assertEqual(self.cwmfs("--init", "acme",
                                    stdin=self.answers()).returncode, 0)
        res = self.check("acme")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("profile:        acme (%s" % self.config, res.stdout)
        env = dict(self.env, CWMFS_API_VERSION="2025.1",
                   CWMFS_CODEBASE=CODEBASE)
        res = self.check("acme", env=env)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("API version:    2025.1 (configured", res.stdout)
        self.assertIn("codebase:       %s (configured" % CODEBASE, res.stdout)

    def test_bad_key_fails_in_one_line(self):
        path = write_config(self.tmp, self.emu.url, private_key=WRONG)
        line = self.one_line(self.check("-o", "config=" + path))
        self.assertIn("401", line)
        self.assertIn("key", line)
        # the environment overrides the file, as in a mount
        path = write_config(self.tmp, self.emu.url)
        env = dict(self.env, CWMFS_PRIVATE_KEY=WRONG)
        self.assertIn("401", self.one_line(
            self.check("-o", "config=" + path, env=env)))

    def test_missing_profile_and_missing_file(self):
        path = write_config(self.tmp, self.emu.url)
        line = self.one_line(self.check("-o", "config=" + path, "nope"))
        self.assertIn("[nope] not found", line)
        line = self.one_line(self.check())
        self.assertIn("cwmfs --init", line)


if __name__ == "__main__":
    unittest.main()
