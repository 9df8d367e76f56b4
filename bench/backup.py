#!/usr/bin/python3
"""How long `forkv backup` takes and how long writes pause meanwhile.

A private manager (release build) gets KEYS keys of VALUE_BYTES bytes in
one store (through `forkv import`), then one client writes to another store
in a loop, one put at a time, while `forkv backup` runs ROUNDS times. Prints
per round: the backup's time (as the manager reports it) and the slowest
put that overlapped it, next to the writer's median put. Last, the time of
`forkv rename` of the big store (every key copied, then the old ones
dropped), checked by the new name's key count.

  make bench-backup            (BACKUP_KEYS=1000000 by default)
  FORKV_BIN_DIR=build/release/bin bench/backup.py --keys 1000000
"""
import argparse
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "clients", "python"))
import forkv  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--value-bytes", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--db-workers", type=int, default=2)
    args = ap.parse_args()
    bin_dir = os.environ.get("FORKV_BIN_DIR", os.path.join(HERE, "..", "build", "release", "bin"))
    cli = os.path.join(bin_dir, "forkv")
    root = tempfile.mkdtemp(prefix="forkv-backup-bench-")
    endpoint = "ipc://%s/m.sock" % root
    log = open(os.path.join(root, "manager.log"), "wb")
    manager = subprocess.Popen(
        [os.path.join(bin_dir, "forkv-manager"), "--socket", endpoint, "--data-dir",
         os.path.join(root, "data"), "--init", "--db-workers", str(args.db_workers),
         "--log-level", "warn"], stdout=log, stderr=log, start_new_session=True)
    try:
        client = forkv.Client(endpoint, timeout=30.0)
        for _ in range(200):
            try:
                client.ping()
                break
            except forkv.Error:
                time.sleep(0.05)
        export = os.path.join(root, "big.export")
        value = b"v" * args.value_bytes
        with open(export, "wb") as f:
            f.write(b"forkv-export 1\n")
            for i in range(args.keys):
                f.write(b"key-%09d\t%s\n" % (i, value))
            f.write(b"end %d\n" % args.keys)
        t0 = time.monotonic()
        subprocess.run([cli, "--socket", endpoint, "import", "big", export], check=True,
                       stdout=subprocess.DEVNULL)
        print("loaded %d keys of %d bytes in %.1f s (forkv import)" %
              (args.keys, args.value_bytes, time.monotonic() - t0))

        samples = []  # (start, end) of each put
        stop = threading.Event()

        def writer():
            w = forkv.Client(endpoint, timeout=30.0)
            i = 0
            while not stop.is_set():
                start = time.monotonic()
                w.put("writer", "k%d" % (i % 1000), b"x" * args.value_bytes)
                samples.append((start, time.monotonic()))
                i += 1
            w.close()

        t = threading.Thread(target=writer)
        t.start()
        time.sleep(1.0)
        print("round  backup_ms  wall_ms  slowest_put_ms  median_put_ms")
        for r in range(args.rounds):
            target = os.path.join(root, "backup-%d" % r)
            begin = time.monotonic()
            out = subprocess.run([cli, "--socket", endpoint, "--json", "backup", target],
                                 check=True, capture_output=True, text=True).stdout
            end = time.monotonic()
            ms = json.loads(out)["ms"]
            overlapping = [e - s for s, e in samples if e >= begin and s <= end]
            median = statistics.median(e - s for s, e in samples[-2000:])
            print("%5d  %9d  %7.1f  %14.2f  %13.3f" % (
                r + 1, ms, (end - begin) * 1000, max(overlapping, default=0) * 1000,
                median * 1000))
            shutil.rmtree(target)
            time.sleep(0.5)
        stop.set()
        t.join()
        begin = time.monotonic()
        subprocess.run([cli, "--socket", endpoint, "rename", "big", "big2"], check=True,
                       stdout=subprocess.DEVNULL)
        took = time.monotonic() - begin
        count = client.count("big2")
        if count != args.keys:
            sys.exit("rename: big2 has %d keys, not %d" % (count, args.keys))
        print("rename of the %d-key store: %.1f s (%d keys/s)" % (args.keys, took, args.keys / took))
        client.close()
    finally:
        os.killpg(manager.pid, signal.SIGTERM)
        manager.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
