"""The Debian package: built by cpack from the source tree, installed with
apt-get, mounted through mount(8) and /etc/fstab, completed in bash, then
purged without a trace.

It installs a package and edits /etc/fstab (restored byte for byte, also
on failure), so it runs only as root with CWMFS_PACKAGE_TEST=1, which
packaging/test.sh sets for the plain suite.  Network: 127.0.0.1 only.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import SOURCE_DIR, Emulator, clean_env, run, write_config

DEB_ENV = dict(clean_env(), DEBIAN_FRONTEND="noninteractive")
APT = ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=120"]
COMPLETION = "/usr/share/bash-completion/completions/cwmfs"
PACKAGED = ("/usr/bin/cwmfs", "/usr/share/man/man1/cwmfs.1",
            "/lib/systemd/system/cwmfs@.service", COMPLETION,
            "/usr/share/doc/cwmfs/config.example",
            "/usr/share/doc/cwmfs/fstab.example")


def checked(args, timeout, **kw):
    """run() that fails the test unless the program exits 0."""
    res = run(args, timeout=timeout, **kw)
    if res.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (
            " ".join(args), res.returncode, res.stdout[-3000:],
            res.stderr[-3000:]))
    return res


def installed():
    """Whether a cwmfs package is installed (or half-installed)."""
    res = run(["dpkg-query", "-W", "-f=${Status}", "cwmfs"])
    return res.returncode == 0 and "not-installed" not in res.stdout


def why_not():
    """The reason this suite cannot run here, or None."""
    if os.environ.get("CWMFS_PACKAGE_TEST") != "1":
        return "set CWMFS_PACKAGE_TEST=1 to install the package (needs root)"
    if os.geteuid() != 0:
        return "installing a package needs root"
    for tool in ("apt-get", "dpkg", "cpack", "cmake", "mount", "findmnt"):
        if not shutil.which(tool):
            return tool + " is missing"
    if installed():
        return "a cwmfs package is already installed; not replacing it"
    return None


def build_deb(workdir):
    """A Release build of the source tree and its .deb; the .deb's path."""
    build = os.path.join(workdir, "build")
    checked(["cmake", "-S", SOURCE_DIR, "-B", build,
             "-DCMAKE_BUILD_TYPE=Release",
             "-DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON"], 120)
    checked(["cmake", "--build", build, "--target", "cwmfs",
             "-j%d" % (os.cpu_count() or 2)], 240)
    checked(["cpack", "-G", "DEB"], 120, cwd=build)
    debs = glob.glob(os.path.join(build, "cwmfs_*.deb"))
    if len(debs) != 1:
        raise AssertionError("cpack made %r" % debs)
    return debs[0]


def daemons(mountpoint):
    """Pids of the processes with mountpoint among their arguments."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if os.fsencode(mountpoint) in argv and int(pid) != os.getpid():
            pids.append(int(pid))
    return pids


def wait_gone(mountpoint, timeout=15):
    """Waits for the daemon of mountpoint to exit; kills it past timeout
    (it is ours: the mount point is this test's own).  True if it left."""
    deadline = time.monotonic() + timeout
    while daemons(mountpoint):
        if time.monotonic() > deadline:
            for pid in daemons(mountpoint):
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
            return False
        time.sleep(0.1)
    return True


def force_unmount(mountpoint):
    """Cleanup: unmounts whatever is still mounted there, lazily if need be."""
    if os.path.ismount(mountpoint):
        if run(["umount", mountpoint]).returncode != 0:
            run(["fusermount3", "-uz", mountpoint])
            run(["umount", "-l", mountpoint])
    wait_gone(mountpoint)


def proc_mount_options(mountpoint):
    """The options of mountpoint in /proc/mounts, as a set."""
    with open("/proc/mounts") as f:
        for line in f:
            fields = line.split()
            if fields[1] == mountpoint:
                return set(fields[3].split(","))
    raise AssertionError("%s not in /proc/mounts" % mountpoint)


class FstabLine:
    """One line appended to /etc/fstab; restore() puts back the bytes (and
    mode) the file had before."""

    PATH = "/etc/fstab"

    def __init__(self, line):
        with open(self.PATH, "rb") as f:
            self.saved = f.read()
        self.mode = os.stat(self.PATH).st_mode & 0o7777
        text = self.saved
        if text and not text.endswith(b"\n"):
            text += b"\n"
        self._write(text + line.encode() + b"\n")

    def _write(self, data):
        with open(self.PATH, "wb") as f:
            f.write(data)
        os.chmod(self.PATH, self.mode)

    def restore(self):
        self._write(self.saved)


def complete(words, env, cwd):
    """COMPREPLY of the installed completion for COMP_WORDS=words (the last
    word is the one being completed), as bash's programmable completion
    would call it."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); '
              'COMP_CWORD=$(($# - 1)); _cwmfs; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    res = checked(["bash", "--norc", "--noprofile", "-c", script, "bash",
                   COMPLETION, *words], 10, env=env, cwd=cwd)
    return [w for w in res.stdout.split("\n") if w]


SKIP = why_not()


@unittest.skipIf(SKIP, SKIP)
class PackageTest(unittest.TestCase):
    """The steps run in order (test_1 ... test_5) on one installation."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cwmfs-pkg-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        os.chmod(cls.tmp, 0o755)  # apt's _apt user reads the .deb
        cls.deb = build_deb(cls.tmp)
        cls.addClassCleanup(cls.purge_if_installed)
        checked([*APT, "install", "./" + os.path.basename(cls.deb)], 180,
                cwd=os.path.dirname(cls.deb), env=DEB_ENV)
        cls.files = checked(["dpkg", "-L", "cwmfs"], 30).stdout.split("\n")
        cls.files = [p for p in cls.files if p.startswith("/")]
        cls.dirs = {p for p in cls.files if os.path.isdir(p)}
        cls.emu = Emulator(members=5)
        cls.addClassCleanup(cls.emu.stop)
        cls.config = write_config(cls.tmp, cls.emu.url)  # [default], 0600
        # the daemon's state directory (keep.h): ours, not root's home
        cls.mount_env = dict(clean_env(),
                             XDG_STATE_HOME=os.path.join(cls.tmp, "state"))

    @classmethod
    def purge_if_installed(cls):
        if installed():
            run([*APT, "remove", "--purge", "cwmfs"], timeout=180,
                env=DEB_ENV)

    def mountpoint(self):
        """A fresh directory under /mnt, unmounted and removed at cleanup."""
        path = tempfile.mkdtemp(prefix="cwmfs-pkg-", dir="/mnt")
        self.addCleanup(os.rmdir, path)
        self.addCleanup(force_unmount, path)
        return path

    def check_mounted(self, path):
        """findmnt names the mount's type and profile; it lists and reads."""
        res = checked(["findmnt", "-J", path], 10)
        fs = json.loads(res.stdout)["filesystems"][0]
        self.assertEqual(fs["fstype"], "fuse.cwmfs", fs)
        self.assertEqual(fs["source"], "cwmfs:default", fs)
        names = checked(["ls", path], 30).stdout.split()
        self.assertIn("info", names)
        self.assertIn("members", names)
        info = json.loads(checked(["cat", os.path.join(path, "info")],
                                  30).stdout)
        self.assertIsInstance(info, dict)
        self.assertTrue(daemons(path), "no cwmfs daemon for " + path)
        # mount(8) and mount.fuse3 pass the environment on to the daemon
        self.assertTrue(os.path.isdir(os.path.join(
            self.tmp, "state", "cwmfs", "default")))

    def unmount(self, path):
        checked(["umount", path], 30)
        self.assertFalse(os.path.ismount(path))
        self.assertTrue(wait_gone(path), "cwmfs did not exit at umount")

    def test_1_contents(self):
        for path in PACKAGED:
            self.assertIn(path, self.files)
            self.assertTrue(os.path.isfile(path), path)
        self.assertTrue(os.access("/usr/bin/cwmfs", os.X_OK))
        res = checked(["/usr/bin/cwmfs", "--version"], 10)
        self.assertIn("cwmfs 0.1.0", res.stdout)
        with open("/lib/systemd/system/cwmfs@.service") as f:
            self.assertIn("ExecStart=/usr/bin/cwmfs ", f.read())
        fields = checked(["dpkg-query", "-W", "-f=${Section} ${Depends}",
                          "cwmfs"], 10).stdout
        self.assertTrue(fields.startswith("utils "), fields)
        for dep in ("fuse3", "libfuse3-3", "libcurl4", "libcjson1"):
            self.assertRegex(fields, r"\b%s\b" % re.escape(dep))

    def completion_env(self):
        """A HOME whose config has profiles default and staging, another
        config file with profile other, and a working directory (returned)
        holding mnt1/ and mnt2/ to mount on."""
        home = tempfile.mkdtemp(prefix="home-", dir=self.tmp)
        os.makedirs(os.path.join(home, ".config", "cwmfs"))
        with open(os.path.join(home, ".config", "cwmfs", "config"), "w") as f:
            f.write("[default]\nurl = x\n; [commented]\n[ staging ]\n")
        with open(os.path.join(home, "other.ini"), "w") as f:
            f.write("[other]\n")
        for d in ("mnt1", "mnt2"):
            os.makedirs(os.path.join(home, "work", d))
        env = dict(clean_env(), HOME=home)
        env.pop("XDG_CONFIG_HOME", None)
        return env, home

    def test_2_completion(self):
        env, home = self.completion_env()

        def comp(*words):
            return complete(["cwmfs", *words], env,
                            os.path.join(home, "work"))

        for opt in ("-f", "-d", "-s", "-o", "--help", "--version", "--init",
                    "--check"):
            self.assertIn(opt, comp("-"))
        help_text = checked(["/usr/bin/cwmfs", "--help"], 10).stdout
        offered = comp("-o", "")
        for name, eq in re.findall(r"-o ([a-z_]+)(=?)", help_text):
            self.assertIn(name + eq, offered)
        self.assertEqual(comp("-o", "ttl=60,max_co"), ["ttl=60,max_conns="])
        # bash splits words at "=": only the last piece is replaced
        self.assertEqual(comp("-o", "ttl", "=", "60,max_co"),
                         ["60,max_conns="])
        self.assertEqual(comp("-o", "log_level=d"), ["log_level=debug"])
        self.assertEqual(sorted(comp("")),
                         ["default", "mnt1", "mnt2", "staging"])
        self.assertEqual(comp("st"), ["staging"])
        self.assertEqual(comp("--check", ""), ["default", "staging"])
        other = os.path.join(home, "other.ini")
        self.assertEqual(sorted(comp("-o", "config=" + other, "")),
                         ["mnt1", "mnt2", "other"])
        self.assertEqual(sorted(comp("-o", "config", "=", other, "")),
                         ["mnt1", "mnt2", "other"])
        self.assertEqual(sorted(comp("default", "")), ["mnt1", "mnt2"])
        self.assertEqual(comp("default", "mnt1", ""), [])
        env["XDG_CONFIG_HOME"] = os.path.join(home, "nothing")
        self.assertEqual(sorted(comp("")), ["mnt1", "mnt2"])

    def test_3_mount_type(self):
        path = self.mountpoint()
        checked(["mount", "-t", "fuse.cwmfs", "default", path,
                 "-o", "config=" + self.config], 60, env=self.mount_env)
        self.check_mounted(path)
        self.unmount(path)

    def test_4_fstab(self):
        path = self.mountpoint()
        line = "default %s fuse.cwmfs config=%s,_netdev,allow_other 0 0" % (
            path, self.config)
        fstab = FstabLine(line)
        self.addCleanup(fstab.restore)  # before the unmount: both happen
        checked(["mount", path], 60, env=self.mount_env)
        self.check_mounted(path)
        options = proc_mount_options(path)
        self.assertLessEqual({"allow_other", "default_permissions"}, options)
        self.unmount(path)

    def test_5_purge(self):
        checked([*APT, "remove", "--purge", "cwmfs"], 180, env=DEB_ENV)
        self.assertFalse(installed())
        self.assertFalse(os.path.lexists("/usr/share/doc/cwmfs"))
        for path in self.files:
            if path not in self.dirs:
                self.assertFalse(os.path.lexists(path), path)
            elif os.path.isdir(path) and not os.listdir(path):
                # an empty directory stays only if another package has it
                owner = run(["dpkg-query", "-S", path])
                self.assertEqual(owner.returncode, 0, path)


if __name__ == "__main__":
    unittest.main()
