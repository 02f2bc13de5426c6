"""Shared fixtures for the integration suites: a real emulator, a real mount.

Every suite talks real HTTP to tests/emulator/cwm_emulator.py on 127.0.0.1 and
mounts the real cwmfs binary (CWMFS_BIN, set by ctest) with -f, so the
daemon's stderr and exit status are ours to check: a sanitizer report or a
non-zero exit at unmount fails the suite.  Everything started here is
stopped by cleanups, also when a test fails.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

SOURCE_DIR = os.environ.get(
    "CWMFS_SOURCE_DIR",
    os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
CWMFS_BIN = os.environ.get("CWMFS_BIN",
                           os.path.join(SOURCE_DIR, "build", "cwmfs"))
EMULATOR = os.path.join(SOURCE_DIR, "tests", "emulator", "cwm_emulator.py")

COMPANY, PUBLIC, PRIVATE = "demo", "testpub", "testpriv"
CLIENT_ID = "11111111-2222-4333-8444-555555555555"
CODEBASE = "v4_6_release/"
TIMEOUT = 30  # seconds, for any single command a test runs


def run(args, **kw):
    """Runs a real program; returns CompletedProcess (text, never hangs)."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", TIMEOUT)
    return subprocess.run(args, **kw)


# The emulator's dialect for suites that name none: the user's description
# ("seed") unless CWMFS_TEST_DIALECT says "real".
DIALECT = os.environ.get("CWMFS_TEST_DIALECT", "seed")


class Emulator:
    """The ConnectWise emulator as a child process."""

    def __init__(self, members=40, seed=1, extra_args=(), dialect=None):
        dialect = dialect or DIALECT
        self.dialect = dialect
        self.tmp = tempfile.mkdtemp(prefix="cwmfs-emu-")
        port_file = os.path.join(self.tmp, "port")
        self.log = open(os.path.join(self.tmp, "emulator.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, EMULATOR, "--port", "0", "--port-file", port_file,
             "--members", str(members), "--seed", str(seed),
             "--company", COMPANY, "--public-key", PUBLIC,
             "--private-key", PRIVATE, "--client-id", CLIENT_ID,
             "--dialect", dialect, *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("emulator did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.url = "http://127.0.0.1:%d" % self.port
        self.base = "%s/%sapis/3.0/system" % (self.url, CODEBASE)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- test hooks (not recorded in the request log) --
    def hook(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/__emulator/" + path,
                                     data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None

    def requests(self):
        return self.hook("GET", "requests")

    def reset_requests(self):
        self.hook("POST", "requests/reset")

    def gets(self, path_suffix=None):
        """The GETs logged so far, optionally only those whose path (under
        system/) equals path_suffix, ignoring case as the server does."""
        out = []
        for r in self.requests():
            if r["method"] != "GET":
                continue
            if path_suffix is None or r["path"].lower().endswith(
                    "/system/" + path_suffix.lower()):
                out.append(r)
        return out

    def my_account_endpoint(self):
        """Where the caller's account is: the description's myAccount, or
        a real server's myAccount/{id} (the id from mymembers)."""
        if self.dialect == "seed":
            return "myAccount"
        return "myAccount/%d" % self.curl("mymembers")["id"]

    # -- the API directly, with curl, as a person would check it --
    def curl(self, path):
        auth = base64.b64encode(
            ("%s+%s:%s" % (COMPANY, PUBLIC, PRIVATE)).encode()).decode()
        res = run(["curl", "-sS", "--fail", "-H", "Authorization: Basic " + auth,
                   "-H", "clientId: " + CLIENT_ID,
                   "%s/%s" % (self.base, path)])
        if res.returncode != 0:
            raise AssertionError("curl %s failed: %s" % (path, res.stderr))
        return json.loads(res.stdout)

    def curl_all(self, endpoint):
        """Every item of a list, one 1000-item page at a time."""
        items, page = [], 1
        while True:
            sep = "&" if "?" in endpoint else "?"
            batch = self.curl("%s%spageSize=1000&page=%d" % (endpoint, sep, page))
            items.extend(batch)
            if len(batch) < 1000:
                return items
            page += 1


def write_config(directory, url, profile="default", mode=0o600, **overrides):
    """A config file with one profile section; returns its path."""
    keys = {"url": url, "company": COMPANY, "public_key": PUBLIC,
            "private_key": PRIVATE, "client_id": CLIENT_ID}
    keys.update(overrides)
    path = os.path.join(directory, "config")
    with open(path, "w") as f:
        f.write("[%s]\n" % profile)
        for k, v in keys.items():
            if v is not None:
                f.write("%s = %s\n" % (k, v))
    os.chmod(path, mode)
    return path


def clean_env():
    """The environment without CWMFS_* variables a developer may have set."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CWMFS_")}


class Mount:
    """cwmfs mounted in the foreground (-f) on a fresh directory."""

    def __init__(self, url, options=(), profile=None, config=None, env=None,
                 flags=(), path=None):
        self.tmp = tempfile.mkdtemp(prefix="cwmfs-mnt-")
        self.path = path or os.path.join(self.tmp, "mnt")
        if not path:
            os.mkdir(self.path)
        self.config = config or write_config(self.tmp, url)
        args = [CWMFS_BIN, "-f", *flags, "-o", "config=" + self.config]
        for opt in options:
            args += ["-o", opt]
        if profile:
            args.append(profile)
        args.append(self.path)
        self.stderr_path = os.path.join(self.tmp, "stderr")
        self.stderr = open(self.stderr_path, "w")
        env = dict(env if env is not None else clean_env())
        # texts kept across mounts (keep.h): this mount's own, unless the
        # test shares them between mounts
        env.setdefault("XDG_STATE_HOME", os.path.join(self.tmp, "state"))
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr, env=env)
        deadline = time.monotonic() + TIMEOUT
        while not os.path.ismount(self.path):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.unmount()
                raise RuntimeError("cwmfs did not mount: " + self.errors())
            time.sleep(0.05)

    def errors(self):
        if not self.stderr.closed:
            self.stderr.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def p(self, *parts):
        return os.path.join(self.path, *parts)

    def unmount(self):
        """Unmounts and returns the daemon's exit status."""
        if os.path.ismount(self.path):
            if run(["fusermount3", "-u", self.path]).returncode != 0:
                run(["fusermount3", "-u", "-z", self.path])
        try:
            rc = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.stderr.close()
        return rc

    def close(self):
        rc = self.unmount()
        log = self.errors()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return rc, log


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:")


def close_checked(mnt):
    """Unmounts; fails unless cwmfs exited 0 without a sanitizer report."""
    rc, log = mnt.close()
    if rc != 0 or any(m in log for m in SANITIZER_MARKS):
        raise AssertionError("cwmfs exited %d at unmount; stderr:\n%s"
                             % (rc, log))


class EmulatorTestCase(unittest.TestCase):
    """One emulator per test class; self.mount() makes a fresh mount that is
    unmounted and checked (close_checked) when the test ends."""

    members = 40
    dialect = None  # DIALECT; "seed": the description, "real": ConnectWise

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(members=cls.members, dialect=cls.dialect)
        cls.addClassCleanup(cls.emu.stop)

    def mount(self, *options, reset=True, **kw):
        """A new mount; reset: start the request log after mounting."""
        mnt = Mount(self.emu.url, options, **kw)
        self.addCleanup(close_checked, mnt)
        if reset:
            self.emu.reset_requests()
        return mnt


class MountedTestCase(unittest.TestCase):
    """One emulator and one mount per test class, checked at teardown."""

    members = 40
    mount_options = ("ttl=60",)
    dialect = None

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(members=cls.members, dialect=cls.dialect)
        cls.addClassCleanup(cls.emu.stop)
        cls.mnt = Mount(cls.emu.url, cls.mount_options)
        cls.addClassCleanup(close_checked, cls.mnt)

    def setUp(self):
        self.emu.reset_requests()


# ---------------------------------------------------------------------------
# The write side: the emulator's request log with bodies, files as the mount
# renders them, errno-precise syscalls, and real editors driven through tmux.

import ctypes
import itertools
import shlex

RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2
AT_FDCWD = -100
ESTALE = 116


def pretty(obj):
    """What a file holds: 2-space JSON in the server's key order."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def api_calls(emu, method=None):
    """The logged API calls, oldest first, as dicts with method, path
    (relative to system/, e.g. "members/1"), query, status and body (parsed
    JSON when it parses, else the raw text, None when empty)."""
    out = []
    for r in emu.hook("GET", "requests/detail"):
        if method is not None and r["method"] != method:
            continue
        body = r.get("body")
        if body:
            try:
                body = json.loads(body)
            except ValueError:
                pass
        path = r["path"]
        if "/system/" in path:
            path = path.split("/system/", 1)[1]
        elif path.endswith("/system"):
            path = ""
        out.append({"method": r["method"], "path": path,
                    "query": r["query"], "status": r["status"],
                    "body": body})
    return out


def writes(emu):
    """Every logged call that is not a GET (POST, PUT, PATCH, DELETE)."""
    return [c for c in api_calls(emu) if c["method"] != "GET"]


def patches(emu):
    return api_calls(emu, "PATCH")


def puts(emu):
    return api_calls(emu, "PUT")


def posts(emu):
    return api_calls(emu, "POST")


def deletes(emu):
    return api_calls(emu, "DELETE")


def object_gets(emu, *paths):
    """GETs of one object, under any of its spellings ("members/1",
    "members/admin"), ignoring case as the server does."""
    wanted = {p.lower() for p in paths}
    return [c for c in api_calls(emu, "GET") if c["path"].lower() in wanted]


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def stamp_epoch(stamp):
    """ConnectWise's "2026-01-02T03:04:05Z" as POSIX seconds."""
    import calendar
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


def write_close(path, data, flags=os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                fsync=False):
    """open/write[/fsync]/close with plain syscalls, so the errno of the
    commit (close or fsync) reaches the caller as OSError.  The descriptor
    is always closed; an fsync error wins over a later close error."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd = os.open(path, flags, 0o600)
    error = None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if fsync:
            os.fsync(fd)
    except OSError as exc:
        error = exc
    try:
        os.close(fd)
    except OSError as exc:
        error = error or exc
    if error is not None:
        raise error


_libc = ctypes.CDLL(None, use_errno=True)


def renameat2(old, new, flags):
    """renameat2(2) through libc, raising OSError with its errno."""
    res = _libc.renameat2(AT_FDCWD, os.fsencode(old), AT_FDCWD,
                          os.fsencode(new), ctypes.c_uint(flags))
    if res != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), old, None, new)


def cwmfs_errors(mnt):
    """/.cwmfs/errors of a mount, read as a person would, with cat."""
    res = run(["cat", mnt.p(".cwmfs", "errors")])
    if res.returncode != 0:
        raise AssertionError("cat /.cwmfs/errors failed: " + res.stderr)
    return res.stdout


def cwmfs_rejected(mnt, rel):
    """The text cwmfs refused for rel (e.g. "members/admin.json")."""
    return read_text(mnt.p(".cwmfs", "rejected", *rel.split("/")))


_tmux_ids = itertools.count(1)


class Tmux:
    """One program in a detached tmux session on a private tmux server (-L),
    so it can be driven by keystrokes and read off the screen.  close()
    kills that server (and the program with it); register it as a cleanup
    after the mount's, so it runs first."""

    FAILURES = ("Read-only file system", "Permission denied",
                "Invalid argument", "Operation not permitted",
                "Stale file handle", "Input/output error",
                "Device or resource busy", "No such file or directory")

    def __init__(self, argv, cwd, width=120, height=40):
        self.socket = "cwmfs-test-%d-%d" % (os.getpid(), next(_tmux_ids))
        self.home = tempfile.mkdtemp(prefix="cwmfs-home-")
        self.rc_file = os.path.join(self.home, "rc")
        env = dict(editor_env(), HOME=self.home)
        self.env = env
        command = "%s; echo $? > %s" % (shlex.join(argv),
                                        shlex.quote(self.rc_file))
        res = run(["tmux", "-L", self.socket, "-f", "/dev/null",
                   "new-session", "-d", "-s", "main", "-x", str(width),
                   "-y", str(height), "-c", cwd, command], env=env)
        if res.returncode != 0:
            self.close()
            raise RuntimeError("tmux did not start: " + res.stderr)

    def _tmux(self, *args):
        return run(["tmux", "-L", self.socket, *args], env=self.env)

    def send(self, *keys):
        """Key names as tmux knows them: "C-x", "Enter", "M-x", "Escape"."""
        self._tmux("send-keys", "-t", "main", *keys)

    def type(self, text):
        """Literal text, as typed."""
        self._tmux("send-keys", "-t", "main", "-l", text)

    def screen(self):
        res = self._tmux("capture-pane", "-p", "-t", "main")
        return res.stdout if res.returncode == 0 else ""

    def wait_for(self, text, timeout=15, fail=FAILURES):
        """Polls the screen until text shows; AssertionError (with the
        screen) on timeout, on one of the fail strings, or if the program
        ended."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            bad = [f for f in fail if f in screen]
            if bad:
                raise AssertionError("%r on screen while waiting for %r:\n%s"
                                     % (bad[0], text, screen))
            if self.exited() or time.monotonic() > deadline:
                raise AssertionError("%r did not show within %ss%s:\n%s" % (
                    text, timeout,
                    " (the program ended)" if self.exited() else "", screen))
            time.sleep(0.1)

    def exited(self):
        return os.path.exists(self.rc_file)

    def wait_exit(self, timeout=15):
        """The program's exit status, once it ended by itself."""
        deadline = time.monotonic() + timeout
        while not self.exited():
            if time.monotonic() > deadline:
                raise AssertionError("the program did not exit within %ss:\n%s"
                                     % (timeout, self.screen()))
            time.sleep(0.1)
        time.sleep(0.05)
        with open(self.rc_file) as f:
            return int(f.read().strip() or "-1")

    def close(self):
        run(["tmux", "-L", self.socket, "kill-server"], env=self.env)
        sock = os.path.join(self.env.get("TMUX_TMPDIR") or "/tmp",
                            "tmux-%d" % os.getuid(), self.socket)
        try:
            os.unlink(sock)
        except OSError:
            pass
        shutil.rmtree(self.home, ignore_errors=True)


def editor_base():
    """A directory for mounts that editors treat as ordinary places.

    vim's 'backupskip' and emacs's backup-enable-predicate skip backups
    for files under /tmp and $TMPDIR, which would hide the rename-based
    saves these tests are about; so editor mounts live under /var/tmp (or
    the source tree) and editors run with TMPDIR=/tmp."""
    for base in ("/var/tmp", os.path.join(SOURCE_DIR, "build")):
        if os.path.isdir(base) and os.access(base, os.W_OK) and \
                not base.startswith(tempfile.gettempdir().rstrip("/") + "/"):
            return base
    raise unittest.SkipTest("no writable directory outside /tmp for mounts")


def mount_outside_tmp(url, options=()):
    """Mount() whose directory is under editor_base(), not under /tmp."""
    saved = tempfile.tempdir
    tempfile.tempdir = editor_base()
    try:
        return Mount(url, options)
    finally:
        tempfile.tempdir = saved


def editor_env():
    """The environment editors run in: no CWMFS_*, TMPDIR=/tmp, UTF-8."""
    env = dict(clean_env(), TMPDIR="/tmp", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.pop("TMUX", None)
    return env


class WriteTestCase(unittest.TestCase):
    """A fresh emulator per test (so counts and data start clean) and
    mounts made with self.mount(), each checked at unmount like
    MountedTestCase's."""

    members = 40
    emulator_args = ()
    mount_options = ("ttl=60",)
    dialect = None

    def setUp(self):
        self.emu = Emulator(members=self.members,
                            extra_args=self.emulator_args,
                            dialect=self.dialect)
        self.addCleanup(self.emu.stop)

    def mount(self, *options, outside_tmp=False):
        """A mount checked at cleanup; outside_tmp: see editor_base()."""
        options = options or self.mount_options
        mnt = mount_outside_tmp(self.emu.url, options) if outside_tmp \
            else Mount(self.emu.url, options)
        self.addCleanup(close_checked, mnt)
        return mnt

    def tmux(self, argv, cwd):
        """A program in tmux, killed at cleanup (before any unmount made
        earlier in the test)."""
        t = Tmux(argv, cwd)
        self.addCleanup(t.close)
        return t

    def reset(self):
        """Forget the request log and any queued fault."""
        self.emu.reset_requests()
        self.emu.hook("POST", "faults/reset")


# A writer process: saves `field` of the member file at path, `count` times
# (0: no limit) or until the wall-clock `deadline` (0: none), each time as
# an editor would (read, change, rewrite with O_TRUNC), printing
# [field, value, errno] per save (0: told success; -1: it read a file cut
# short by another writer's truncation, and saved nothing).
WRITER = r"""
import json, os, random, sys, time
path, field, tag = sys.argv[1], sys.argv[2], sys.argv[3]
count, deadline = int(sys.argv[4]), float(sys.argv[5])
random.seed(tag)
n = 0
while (not count or n < count) and (not deadline or time.time() < deadline):
    value = "%s-%d" % (tag, n)
    n += 1
    try:
        with open(path) as f:
            obj = json.load(f)
        obj[field] = value
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, json.dumps(obj, indent=2).encode())
        finally:
            os.close(fd)
        outcome = 0
    except OSError as exc:
        outcome = exc.errno
    except ValueError:
        outcome = -1
    print(json.dumps([field, value, outcome]), flush=True)
    time.sleep(random.random() * 0.02)
"""


def writer(path, field, tag, count=0, deadline=0.0):
    """A WRITER process (its stdout a pipe of its reports)."""
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, path, field, tag, str(count),
         str(deadline)], stdout=subprocess.PIPE, text=True)


def listing_errno(path):
    """The errno of listing path, 0 when it lists."""
    try:
        os.listdir(path)
    except OSError as e:
        return e.errno
    return 0
