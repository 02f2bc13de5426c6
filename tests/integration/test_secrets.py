"""Secrets stay secret: the private key leaves the environment once read,
the daemon cannot be ptraced or have its environ read by the user's other
processes, TLS is always verified (a private CA through -o cafile), and
with -o allow_other the kernel checks permissions (default_permissions)."""
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import (CWMFS_BIN, PRIVATE, Emulator, EmulatorTestCase, Mount,
                     close_checked, write_config, clean_env, run)

NOBODY = pwd.getpwnam("nobody")


def as_nobody(*argv):
    return ["setpriv", "--reuid=%d" % NOBODY.pw_uid,
            "--regid=%d" % NOBODY.pw_gid, "--clear-groups", *argv]


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def proc_uid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return None


class SecretsTest(EmulatorTestCase):

    members = 5

    def test_the_private_key_leaves_the_environment(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp, True)
        config = write_config(tmp, self.emu.url, private_key=None)
        env = dict(clean_env(), CWMFS_PRIVATE_KEY=PRIVATE)
        mnt = self.mount("log_level=debug", config=config, env=env)
        self.assertIn("admin.json", os.listdir(mnt.p("members")))
        with open("/proc/%d/environ" % mnt.proc.pid, "rb") as f:
            environ = f.read()
        self.assertNotIn(PRIVATE.encode(), environ)
        self.assertNotIn(PRIVATE, mnt.errors())

    def let_users_mount(self):
        """/dev/fuse as Debian ships it (0666): this machine's is root's."""
        mode = os.stat("/dev/fuse").st_mode & 0o777
        if mode != 0o666:
            os.chmod("/dev/fuse", 0o666)
            self.addCleanup(os.chmod, "/dev/fuse", mode)

    def test_the_users_other_processes_cannot_look_inside(self):
        # the daemon runs as nobody, as would any user's
        self.let_users_mount()
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp, True)
        os.chmod(tmp, 0o755)
        binary = os.path.join(tmp, "cwmfs")
        shutil.copy(CWMFS_BIN, binary)
        mnt_dir = os.path.join(tmp, "mnt")
        os.mkdir(mnt_dir)
        config = write_config(tmp, self.emu.url)
        for path in (mnt_dir, config):
            os.chown(path, NOBODY.pw_uid, NOBODY.pw_gid)
        proc = subprocess.Popen(
            as_nobody(binary, "-f", "-o", "config=" + config, mnt_dir),
            stderr=subprocess.PIPE, env=clean_env())

        def stop():
            run(["umount", "-l", mnt_dir])
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stderr.close()
        self.addCleanup(stop)
        deadline = time.monotonic() + 10
        while not mounted(mnt_dir) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not mounted(mnt_dir):  # root may not look inside: mountinfo
            proc.kill()
            self.fail("no mount as nobody: %s" % proc.stderr.read().decode())
        pid = int(run(["pgrep", "-f", "-n", binary]).stdout.split()[0])
        self.assertEqual(proc_uid(pid), NOBODY.pw_uid)
        # not dumpable: its /proc files belong to root, not to nobody
        self.assertEqual(os.stat("/proc/%d/environ" % pid).st_uid, 0)
        peek = run(as_nobody("cat", "/proc/%d/environ" % pid))
        self.assertNotEqual(peek.returncode, 0)
        self.assertIn("Permission denied", peek.stderr)
        attach = run(as_nobody("cat", "/proc/%d/mem" % pid))
        self.assertNotEqual(attach.returncode, 0)
        # and it works for its user
        ls = run(as_nobody("ls", os.path.join(mnt_dir, "members")))
        self.assertIn("admin.json", ls.stdout)

    def test_allow_other_checks_permissions(self):
        mnt = self.mount("allow_other")
        with open("/proc/mounts") as f:
            line = [l for l in f if mnt.path in l][0]
        self.assertIn("default_permissions", line)
        self.assertIn("allow_other", line)
        # umask 077: the mounting user's files only
        peek = run(as_nobody("cat", mnt.p("members", "admin.json")))
        self.assertNotEqual(peek.returncode, 0)
        self.assertIn("Permission denied", peek.stderr)


class TlsTest(unittest.TestCase):
    """A server with a self-signed certificate (on 127.0.0.1)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cwmfs-tls-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.cert = os.path.join(cls.tmp, "cert.pem")
        key = os.path.join(cls.tmp, "key.pem")
        made = run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cls.cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"])
        if made.returncode != 0:
            raise AssertionError(made.stderr)
        cls.emu = Emulator(members=5,
                           extra_args=["--tls-cert", cls.cert,
                                       "--tls-key", key])
        cls.addClassCleanup(cls.emu.stop)
        cls.url = "https://127.0.0.1:%d" % cls.emu.port

    def test_a_self_signed_server_is_refused_in_one_line(self):
        tmp = tempfile.mkdtemp(dir=self.tmp)
        config = write_config(tmp, self.url)
        mnt_dir = os.path.join(tmp, "mnt")
        os.mkdir(mnt_dir)
        res = run([CWMFS_BIN, "-f", "-o", "config=" + config, mnt_dir],
                  env=clean_env())
        self.assertNotEqual(res.returncode, 0)
        self.assertFalse(os.path.ismount(mnt_dir))
        lines = res.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, res.stderr)
        self.assertIn("certificate", lines[0])

    def test_a_private_ca_is_trusted_with_cafile(self):
        mnt = Mount(self.url, ["cafile=" + self.cert])
        self.addCleanup(close_checked, mnt)
        self.assertIn("admin.json", os.listdir(mnt.p("members")))

    def test_an_unreadable_cafile_is_one_line(self):
        res = run([CWMFS_BIN, "-f", "-o", "cafile=/nonexistent/ca.pem",
                   "-o", "config=" + write_config(
                       tempfile.mkdtemp(dir=self.tmp), self.url),
                   self.tmp], env=clean_env())
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("cannot read -o cafile=/nonexistent/ca.pem",
                      res.stderr)


if __name__ == "__main__":
    unittest.main()
