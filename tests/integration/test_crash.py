"""A daemon that dies (kill -9) leaves no dead mount behind: libfuse's
auto_unmount takes it down, and with -o no_auto_unmount the next mount
there clears it, saying so in one line."""
import errno
import os
import shutil
import signal
import tempfile
import time
import unittest

from harness import (EmulatorTestCase, Mount, clean_env, close_checked,
                     listing_errno, read_text, run)


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class CrashTest(EmulatorTestCase):

    members = 5

    def kill(self, mnt):
        """kill -9 the daemon, leaving its mount as it may be."""
        mnt.proc.send_signal(signal.SIGKILL)
        mnt.proc.wait(10)
        self.addCleanup(shutil.rmtree, mnt.tmp, True)
        self.addCleanup(lambda: os.path.ismount(mnt.path) and run(
            ["fusermount3", "-u", "-z", mnt.path]))
        mnt.stderr.close()

    def test_a_killed_daemon_is_unmounted(self):
        mnt = Mount(self.emu.url)
        self.assertIn("admin.json", os.listdir(mnt.p("members")))
        self.kill(mnt)
        self.assertTrue(wait_until(lambda: not os.path.ismount(mnt.path)),
                        "the mount outlived its daemon")
        self.assertEqual(os.listdir(mnt.path), [])

    def test_a_dead_mount_is_cleared_by_the_next_mount(self):
        mnt = Mount(self.emu.url, ["no_auto_unmount"])
        self.kill(mnt)
        self.assertEqual(listing_errno(mnt.path), errno.ENOTCONN)
        again = Mount(self.emu.url, path=mnt.path)  # mounted already: dead
        self.addCleanup(close_checked, again)
        self.assertTrue(wait_until(
            lambda: listing_errno(again.p("members")) == 0))
        self.assertIn("admin.json", os.listdir(again.p("members")))
        self.assertIn("was a dead cwmfs mount (its daemon had died); "
                      "unmounted it", again.errors())

    def test_texts_not_on_the_server_survive_a_crash(self):
        state = tempfile.mkdtemp(prefix="cwmfs-state-")
        self.addCleanup(shutil.rmtree, state, True)
        env = dict(clean_env(), XDG_STATE_HOME=state)
        mnt = Mount(self.emu.url, env=env)
        refused = '{"identifier": "admin", oops\n'
        with self.assertRaises(OSError):
            with open(mnt.p("members", "admin.json"), "w") as f:
                f.write(refused)
        swap = mnt.p("members", ".admin.json.swp")
        with open(swap, "wb") as f:
            f.write(b"b0VIM 9.0 swap bytes")
        with open(mnt.p("members", "4913"), "w") as f:
            f.write("x")
        os.unlink(mnt.p("members", "4913"))  # gone before the crash
        self.kill(mnt)
        kept = os.path.join(state, "cwmfs", "default")
        self.assertEqual(os.stat(kept).st_mode & 0o777, 0o700)
        for area in ("rejected", "unsent"):
            for name in os.listdir(os.path.join(kept, area)):
                self.assertEqual(os.stat(os.path.join(
                    kept, area, name)).st_mode & 0o777, 0o600)
        again = Mount(self.emu.url, env=env)
        self.addCleanup(close_checked, again)
        rejected = again.p(".cwmfs", "rejected", "members")
        self.assertEqual(read_text(os.path.join(rejected, "admin.json")),
                         refused)
        self.assertEqual(read_text(os.path.join(rejected, ".admin.json.swp")),
                         "b0VIM 9.0 swap bytes")
        self.assertNotIn("4913", os.listdir(rejected))
        errors = read_text(again.p(".cwmfs", "errors"))
        self.assertIn("members/.admin.json.swp: was not on the server when "
                      "cwmfs last stopped", errors)
        self.assertIn("refused texts kept from earlier mounts", errors)
        # and nothing was sent for them
        self.assertEqual([r for r in self.emu.requests()
                          if r["method"] != "GET"], [])


if __name__ == "__main__":
    unittest.main()
