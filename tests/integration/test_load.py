"""Load: 16 readers and 4 writers on one mount for CWMFS_LOAD_SECONDS (60)
through a flaky server (10% 503, 5% 429, 2% connections reset, some after
the request was applied), with a SIGHUP refresh every 3 s.  Afterwards:
zero wrong bytes (every file equals the server's object), zero lost writes
(a save told success is on the server's audit trail), zero duplicate
writes (at most one applied PATCH per save), and no crash.  Prints the
throughput.  A longer soak: CWMFS_LOAD_SECONDS=600 python3 -m unittest
test_load."""
import errno
import json
import os
import random
import signal
import sys
import threading
import time
import unittest

from harness import EmulatorTestCase, pretty, read_text, writer

SECONDS = float(os.environ.get("CWMFS_LOAD_SECONDS", "60"))
ESTALE = 116

FAULTS = (
    {"status": 503, "retry_after": 0, "probability": 0.10},
    {"status": 429, "retry_after": 0, "probability": 0.05},
    {"action": "reset", "probability": 0.01},
    {"action": "apply_then_reset", "probability": 0.01},
)


class LoadTest(EmulatorTestCase):

    members = 120

    def audit(self, mid, field):
        """Values `field` of member mid was set to, per its audit trail."""
        trail = self.emu.curl_all("audittrail?type=Member&id=%d" % mid)
        return [e["text"].rsplit(' to "', 1)[1].rstrip('"')
                for e in reversed(trail) if e.get("auditSubType") == field]

    def read_loop(self, mnt, names, written, deadline, stats, lock):
        rng = random.Random()
        reads = errors = cut = 0
        while time.monotonic() < deadline:
            name = rng.choice(names)
            try:
                obj = json.loads(read_text(mnt.p("members", name)))
                if not isinstance(obj, dict) or "id" not in obj:
                    raise ValueError("not an object")
                reads += 1
            except OSError:
                errors += 1  # the server failed four times in a row
            except ValueError as exc:
                if name in written:
                    # opened before a writer's O_TRUNC: the kernel cut the
                    # file under it, as any filesystem would
                    cut += 1
                    continue
                with lock:
                    stats["wrong"].append("%s: %s" % (name, exc))
        with lock:
            stats["reads"] += reads
            stats["read_errors"] += errors
            stats["cut"] += cut

    def refresh_loop(self, mnt, deadline):
        while time.monotonic() < deadline:
            time.sleep(3)
            mnt.proc.send_signal(signal.SIGHUP)

    def test_readers_writers_faults_and_refreshes(self):
        mnt = self.mount("ttl=1")
        names = sorted(n for n in os.listdir(mnt.p("members"))
                       if n.endswith(".json"))
        by_name = {n: json.loads(read_text(mnt.p("members", n)))["id"]
                   for n in names[:3]}
        a, b, c = list(by_name)
        jobs = [(a, "title", "A"), (b, "title", "B"), (c, "title", "C1"),
                (c, "notes", "C2")]
        seeded = {(n, f): len(self.audit(by_name[n], f)) for n, f, _ in jobs}
        for spec in FAULTS:
            self.emu.hook("POST", "faults", dict(spec, count=10 ** 9))
        start = time.monotonic()
        deadline = start + SECONDS
        wall_deadline = time.time() + SECONDS
        # two writers on members of their own, two on one member
        writers = [writer(mnt.p("members", name), field, tag,
                          deadline=wall_deadline)
                   for name, field, tag in jobs]
        stats = {"reads": 0, "read_errors": 0, "cut": 0, "wrong": []}
        lock = threading.Lock()
        threads = [threading.Thread(target=self.read_loop,
                                    args=(mnt, names, {a, b, c}, deadline,
                                          stats, lock))
                   for _ in range(16)]
        threads.append(threading.Thread(target=self.refresh_loop,
                                        args=(mnt, deadline)))
        for t in threads:
            t.start()
        told = {}
        for (name, field, tag), w in zip(jobs, writers):
            out, _ = w.communicate(timeout=SECONDS + 120)
            self.assertEqual(w.returncode, 0)
            told[(name, field)] = [json.loads(line)[1:] for line in
                                   out.splitlines()]
        for t in threads:
            t.join(SECONDS + 60)
        elapsed = time.monotonic() - start
        self.emu.hook("POST", "faults/reset")
        self.assertIsNone(mnt.proc.poll(), "the daemon died")
        self.assertEqual(stats["wrong"], [])

        saves = failed = 0
        for (name, field), results in told.items():
            applied = self.audit(by_name[name], field)[seeded[(name, field)]:]
            ok = [v for v, rc in results if rc == 0]
            for v, rc in results:
                if rc == 0:
                    # not lost, not doubled
                    self.assertEqual(applied.count(v), 1, (name, v))
                else:
                    self.assertIn(rc, (-1, ESTALE, errno.EBUSY, errno.EIO,
                                       errno.EINVAL, errno.EAGAIN),
                                  (name, v, rc))
                    self.assertNotIn(v, applied, (name, v, rc, [
                        line for line in mnt.errors().splitlines()
                        if name in line and ("lost" in line or
                                             "unknown" in line)]))
            self.assertEqual(sorted(applied), sorted(ok), name)
            saves += len(ok)
            failed += len(results) - len(ok)

        # zero wrong bytes: each file is the server's object
        mnt.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        server = {o["identifier"]: o for o in self.emu.curl_all("members")}
        for name in names:
            ident = json.loads(read_text(mnt.p("members", name)))["identifier"]
            self.assertEqual(read_text(mnt.p("members", name)),
                             pretty(server[ident]), name)
        print("\nload: %.0f s, %d reads (%.0f/s; %d failed after retries, "
              "%d cut short by a writer's truncation), %d saves told success "
              "(%.1f/s), %d told failure"
              % (elapsed, stats["reads"], stats["reads"] / elapsed,
                 stats["read_errors"], stats["cut"], saves, saves / elapsed,
                 failed), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
