#!/usr/bin/env python3
"""cwmfs benchmark: prints figures and their ratios to baselines measured in
the same run; passes no judgement (this machine is shared and noisy, so only
ratios compare).

Mounts the real binary on the emulator (loopback only), with --latency-ms
added to every API call, and measures each action --runs times (medians):

  cold ls -l members       vs  a sequential curl loop over the same pages
                               (after a refresh, and in a new mount)
  warm ls -l members       vs  ls -l of a tmpfs copy of the same files
  warm grep -r members     vs  the same grep over the tmpfs copy
  warm cat members/*.json  vs  the same cat over the tmpfs copy
  open+close of one file   vs  tmpfs, and libfuse's hello_ll example (the
                               cost of a FUSE round trip on this machine)
  N parallel readers       throughput at 1, 2, 4 and 8 readers

and for each: wall time, API requests, connections the emulator saw, the
daemon's CPU time (its threads, user and system) and resident memory (peak
and now).  Usage:

    python3 tests/bench/bench.py [--members 10000] [--latency-ms 50]
        [--runs 5] [--bin build/cwmfs] [--json figures.json]
"""
import argparse
import base64
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402


def memory_kib(pid):
    """(peak, now) resident KiB of a process."""
    got = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                got[key] = int(value.split()[0])
    return got.get("VmHWM", 0), got.get("VmRSS", 0)


def cpu_seconds(pid):
    """User and system CPU seconds a process (all its threads) has used."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_quiet(argv):
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=900, check=False)


def wall(argv):
    """Seconds argv ran.  A blocking wait, not subprocess's timeout loop,
    which polls every 50 ms and would round every figure up to that."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    watchdog = threading.Timer(900, proc.kill)
    watchdog.start()
    try:
        proc.wait()
    finally:
        watchdog.cancel()
    return time.monotonic() - start


class Bench:
    def __init__(self, args):
        self.args = args
        self.figures = []
        self.emu = harness.Emulator(
            members=args.members,
            extra_args=("--latency-ms", str(args.latency_ms)))
        self.mnt = None

    def api_stats(self):
        detail = self.emu.hook("GET", "requests/detail")
        return len(detail), len({r.get("client_port") for r in detail})

    def measure(self, label, argv, before=None, baseline=None):
        """Median wall time of argv over the runs; before() runs first,
        untimed (to make a cache cold).  baseline: seconds to compare."""
        times, requests, conns, cpu = [], [], [], []
        for _ in range(self.args.runs):
            if before:
                before()
            self.emu.reset_requests()
            start = cpu_seconds(self.mnt.proc.pid)
            times.append(wall(argv))
            cpu.append(cpu_seconds(self.mnt.proc.pid) - start)
            r, c = self.api_stats()
            requests.append(r)
            conns.append(c)
        peak, now = memory_kib(self.mnt.proc.pid)
        fig = {"action": label, "seconds": statistics.median(times),
               "requests": max(requests), "connections": max(conns),
               "daemon_cpu_seconds": statistics.median(cpu),
               "rss_peak_kib": peak, "rss_kib": now}
        if baseline:
            fig["baseline_seconds"] = baseline
            fig["ratio"] = fig["seconds"] / baseline
        self.figures.append(fig)
        print("%-34s %8.3f s %6d req %3d conn %6.2f s cpu %8d KiB peak "
              "%8d KiB%s" % (
                  label, fig["seconds"], fig["requests"], fig["connections"],
                  fig["daemon_cpu_seconds"], peak, now,
                  "   %.2fx baseline (%.3f s)" % (fig["ratio"], baseline)
                  if baseline else ""), flush=True)
        return fig["seconds"]

    def curl_loop(self):
        """Seconds for a sequential curl over the members' pages."""
        auth = base64.b64encode(("%s+%s:%s" % (
            harness.COMPANY, harness.PUBLIC, harness.PRIVATE)).encode()).decode()
        pages = -(-self.args.members // 1000)
        argv = ["sh", "-c", " ".join(
            "curl -sS -o /dev/null -H 'Authorization: Basic %s' "
            "-H 'clientId: %s' '%s/members?pageSize=1000&page=%d';"
            % (auth, harness.CLIENT_ID, self.emu.base, p)
            for p in range(1, pages + 1))]
        times = [wall(argv) for _ in range(self.args.runs)]
        return statistics.median(times)

    def cold_first_listing(self, curl):
        """ls -l members as the first listing of a new mount: nothing known
        of the list yet, not even how many pages it had (a relisting asks
        for them all with page 1)."""
        times, requests, conns = [], [], []
        for _ in range(self.args.runs):
            mnt = harness.Mount(self.emu.url, ["ttl=3600", *self.args.option])
            try:
                self.emu.reset_requests()
                times.append(wall(["ls", "-l", mnt.p("members")]))
                r, c = self.api_stats()
                requests.append(r)
                conns.append(c)
            finally:
                mnt.close()
        fig = {"action": "cold ls -l members, new mount",
               "seconds": statistics.median(times), "requests": max(requests),
               "connections": max(conns), "baseline_seconds": curl}
        fig["ratio"] = fig["seconds"] / curl
        self.figures.append(fig)
        print("%-34s %8.3f s %6d req %3d conn %36s%.2fx baseline (%.3f s)" % (
            fig["action"], fig["seconds"], fig["requests"], fig["connections"],
            "", fig["ratio"], curl), flush=True)

    def drop_caches(self):
        """SIGHUP: cwmfs forgets every cached answer."""
        self.mnt.proc.send_signal(signal.SIGHUP)
        time.sleep(0.2)

    def open_close(self, members, copy, n=20000):
        """Microseconds of one open(2)+close(2) of a warm file: the round
        trip every read through the mount pays, beside tmpfs."""
        def loop(path):
            start = time.monotonic()
            for _ in range(n):
                os.close(os.open(path, os.O_RDONLY))
            return (time.monotonic() - start) / n * 1e6

        name = sorted(x for x in os.listdir(copy) if x.endswith(".json"))[0]
        ours = loop(os.path.join(members, name))
        base = loop(os.path.join(copy, name))
        self.figures.append({"action": "open+close", "microseconds": ours,
                             "baseline_microseconds": base,
                             "ratio": ours / base})
        print("%-34s %8.1f us %43s%.2fx baseline (%.1f us)" % (
            "open+close of a warm file", ours, "", ours / base, base),
            flush=True)

    def fuse_floor(self, n=20000):
        """Microseconds of one open+close on libfuse's own hello_ll example,
        whose open does nothing: what a FUSE round trip costs here, however
        little the filesystem does.  Skipped when it cannot be built."""
        src = "/usr/share/doc/libfuse3-dev/examples/hello_ll.c"
        tmp = tempfile.mkdtemp()
        binary, mnt = os.path.join(tmp, "hello_ll"), os.path.join(tmp, "m")
        os.mkdir(mnt)
        proc = None
        try:
            flags = subprocess.run(["pkg-config", "--cflags", "--libs", "fuse3"],
                                   capture_output=True, text=True).stdout.split()
            if not os.path.exists(src) or subprocess.run(
                    ["cc", "-O2", src, "-o", binary] + flags,
                    capture_output=True).returncode != 0:
                print("%-34s skipped (no libfuse example to build)"
                      % "open+close, libfuse hello_ll")
                return
            proc = subprocess.Popen([binary, "-f", mnt],
                                    stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            path = os.path.join(mnt, "hello")
            deadline = time.monotonic() + 10
            while not os.path.exists(path) and time.monotonic() < deadline:
                time.sleep(0.05)
            start = time.monotonic()
            for _ in range(n):
                os.close(os.open(path, os.O_RDONLY))
            floor = (time.monotonic() - start) / n * 1e6
            self.figures.append({"action": "open+close, libfuse hello_ll",
                                 "microseconds": floor})
            print("%-34s %8.1f us  (a FUSE open that does nothing; hello_ll "
                  "also sends a flush)" % ("open+close, libfuse hello_ll",
                                           floor), flush=True)
        finally:
            if proc:
                subprocess.run(["fusermount3", "-u", mnt],
                               stderr=subprocess.DEVNULL)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            shutil.rmtree(tmp, ignore_errors=True)

    def readers(self, n, names):
        """Objects read per second by n parallel readers of different
        members (warm): n cat processes, not threads of this Python, whose
        lock would be what is measured."""
        chunk = names[:4000]
        folder = self.mnt.p("members")
        parts = [[os.path.join(folder, x) for x in chunk[i::n]]
                 for i in range(n)]
        start = time.monotonic()
        procs = [subprocess.Popen(["cat"] + part, stdout=subprocess.DEVNULL)
                 for part in parts]
        for proc in procs:
            proc.wait()
        return len(chunk) / (time.monotonic() - start)

    def run(self):
        a = self.args
        self.mnt = harness.Mount(self.emu.url, ["ttl=3600", *self.args.option])
        members = self.mnt.p("members")
        print("cwmfs benchmark: %d members, %d ms per API call, median of %d"
              % (a.members, a.latency_ms, a.runs), flush=True)
        curl = self.curl_loop()
        print("%-34s %8.3f s" % ("baseline: sequential curl loop", curl))
        self.measure("cold ls -l members", ["ls", "-l", members],
                     before=self.drop_caches, baseline=curl)
        self.cold_first_listing(curl)
        tmp = tempfile.mkdtemp(dir="/dev/shm")
        try:
            copy = os.path.join(tmp, "members")
            shutil.copytree(members, copy,
                            ignore=shutil.ignore_patterns("types"))
            for label, argv in (
                    ("warm ls -l members", ["ls", "-l", "{}"]),
                    ("warm grep -r members", ["grep", "-rc", "Sales", "{}"]),
                    ("warm cat members/*.json",
                     # printf is built in: no argument list too long
                     ["sh", "-c", "printf '%s\\0' {}/*.json | xargs -0 cat"])):
                base = statistics.median(wall(
                    [x.replace("{}", copy) for x in argv])
                    for _ in range(a.runs))
                self.measure(label, [x.replace("{}", members) for x in argv],
                             baseline=base)
            self.open_close(members, copy)
            self.fuse_floor()
        finally:
            shutil.rmtree(tmp)
        names = sorted(n for n in os.listdir(members) if n.endswith(".json"))
        for n in (1, 2, 4, 8):
            rate = self.readers(n, names)
            self.figures.append({"action": "%d parallel readers" % n,
                                 "objects_per_second": rate})
            print("%-34s %8.0f objects/s" % ("%d parallel readers" % n, rate),
                  flush=True)
        served = sum(os.stat(os.path.join(members, n)).st_size for n in names)
        peak, now = memory_kib(self.mnt.proc.pid)
        self.figures.append({"action": "memory", "json_bytes": served,
                             "rss_peak_kib": peak, "rss_kib": now})
        print("%-34s %8.1f MB JSON, RSS peak %.1fx, now %.1fx" % (
            "memory", served / 1e6, peak * 1024 / served, now * 1024 / served))

    def close(self):
        if self.mnt:
            self.mnt.close()
        self.emu.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=10000)
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=harness.CWMFS_BIN)
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("-o", "--option", action="append", default=[],
                    help="a cwmfs -o option for the mount (e.g. noxattr)")
    args = ap.parse_args()
    harness.CWMFS_BIN = os.path.abspath(args.bin)
    bench = Bench(args)
    try:
        bench.run()
    finally:
        bench.close()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"members": args.members, "latency_ms": args.latency_ms,
                       "runs": args.runs, "figures": bench.figures}, f,
                      indent=2)


if __name__ == "__main__":
    main()
