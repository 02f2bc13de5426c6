#!/usr/bin/env python3
"""cwmfs benchmark: prints figures, passes no judgement.

Mounts the real binary on the emulator (loopback only) and measures, for an
org of --members members with --latency-ms per API call: wall time and API
request counts of common user actions, cold and warm, and the daemon's
resident memory.  Usage:

    python3 tests/bench/bench.py [--members 2500] [--latency-ms 20] [--bin build/cwmfs]
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def timed(emu, label, argv):
    emu.reset_requests()
    start = time.monotonic()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=600, check=False)
    ms = (time.monotonic() - start) * 1000
    print("%-42s %9.1f ms %5d requests" % (label, ms, len(emu.requests())))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=2500)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--bin", default=harness.CWMFS_BIN)
    args = ap.parse_args()
    harness.CWMFS_BIN = os.path.abspath(args.bin)

    emu = harness.Emulator(members=args.members,
                           extra_args=("--latency-ms", str(args.latency_ms)))
    mnt = None
    try:
        mnt = harness.Mount(emu.url, ["ttl=600"])
        members = mnt.p("members")
        print("cwmfs benchmark: %d members, %d ms per API call"
              % (args.members, args.latency_ms))
        print("%-42s %9s    %s" % ("action", "time", "API calls"))
        timed(emu, "stat one member (cold)", ["stat", mnt.p("members", "admin.json")])
        timed(emu, "cat one member (warm)", ["cat", mnt.p("members", "admin.json")])
        timed(emu, "ls -l members (cold)", ["ls", "-l", members])
        timed(emu, "ls -l members (warm)", ["ls", "-l", members])
        timed(emu, "grep -r across members (warm)", ["grep", "-rc", "Sales", members])
        timed(emu, "cat every member (warm)", ["sh", "-c", "cat %s/*.json" % members])
        timed(emu, "find the whole tree", ["find", mnt.path, "-type", "f"])
        timed(emu, "sed -i one member (GET + PATCH)",
              ["sed", "-i", 's/"title": ".*"/"title": "Bench"/',
               mnt.p("members", "admin.json")])
        print("%-42s %9d KiB" % ("cwmfs resident memory after all this",
                                 rss_kib(mnt.proc.pid)))
    finally:
        if mnt:
            mnt.close()
        emu.stop()


if __name__ == "__main__":
    main()
