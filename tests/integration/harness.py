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


class Emulator:
    """The ConnectWise emulator as a child process."""

    def __init__(self, members=40, seed=1, extra_args=()):
        self.tmp = tempfile.mkdtemp(prefix="cwmfs-emu-")
        port_file = os.path.join(self.tmp, "port")
        self.log = open(os.path.join(self.tmp, "emulator.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, EMULATOR, "--port", "0", "--port-file", port_file,
             "--members", str(members), "--seed", str(seed),
             "--company", COMPANY, "--public-key", PUBLIC,
             "--private-key", PRIVATE, "--client-id", CLIENT_ID, *extra_args],
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
                 flags=()):
        self.tmp = tempfile.mkdtemp(prefix="cwmfs-mnt-")
        self.path = os.path.join(self.tmp, "mnt")
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
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr,
                                     env=env if env is not None else clean_env())
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


class MountedTestCase(unittest.TestCase):
    """One emulator and one mount per test class, checked at teardown."""

    members = 40
    mount_options = ("ttl=60",)

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(members=cls.members)
        cls.addClassCleanup(cls.emu.stop)
        cls.mnt = Mount(cls.emu.url, cls.mount_options)
        cls.addClassCleanup(cls._close_mount)

    @classmethod
    def _close_mount(cls):
        rc, log = cls.mnt.close()
        bad = [m for m in SANITIZER_MARKS if m in log]
        if rc != 0 or bad:
            raise AssertionError("cwmfs exited %d at unmount; stderr:\n%s"
                                 % (rc, log))

    def setUp(self):
        self.emu.reset_requests()
