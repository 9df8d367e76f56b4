#!/usr/bin/python3
"""A compare-and-swap loop, the same on forkv and on Redis (issue #16).

Each of --procs processes increments random counters among --keys keys for
--seconds: read the value and its version, write value + 1 only if the key
is still at that version, and on a conflict read again. forkv: get_versioned
then put(if_version=) (or put(if_absent=) for a new key), with the Python
client; Redis: WATCH, GET, MULTI, SET, EXEC with redis-py (a WatchError is a
conflict). Both sides are Python clients, one connection per process.

Prints one CSV line (header first): ops_per_sec (successful increments),
conflicts_per_sec, p50_us, p99_us (of a whole increment, retries included),
final_total (the counters' sum, read at the end) and increments (what the
clients counted): equal on a correct server.

  cas_loop.py --system forkv --endpoint ipc:///tmp/x/m.sock
  cas_loop.py --system redis --redis-socket /tmp/x/redis.sock   (or --redis-port N)
"""
import argparse
import multiprocessing as mp
import os
import random
import sys
import time


def run_loop(args, seed, out, increment):
    """Increments random counters until --seconds pass; `increment(key)`
    does one increment and returns how many conflicts it met."""
    rng = random.Random(seed)
    lat, ok, conflicts = [], 0, 0
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        key = "cas:%s:%d" % (args.run, rng.randrange(args.keys))
        t0 = time.monotonic()
        conflicts += increment(key)
        lat.append(time.monotonic() - t0)
        ok += 1
    out.put((ok, conflicts, lat))


def forkv_worker(args, seed, out):
    import forkv
    c = forkv.Client(args.endpoint, timeout=10.0)

    def increment(key):
        conflicts = 0
        while True:
            try:
                value, version = c.get_versioned("cas", key)
                c.put("cas", key, b"%d" % (int(value) + 1), if_version=version)
                return conflicts
            except forkv.NotFound:
                try:
                    c.put("cas", key, b"1", if_absent=True)
                    return conflicts
                except forkv.ConditionFailed:
                    conflicts += 1
            except forkv.ConditionFailed:
                conflicts += 1

    run_loop(args, seed, out, increment)
    c.close()


def redis_worker(args, seed, out):
    import redis
    r = (redis.Redis(unix_socket_path=args.redis_socket) if args.redis_socket
         else redis.Redis(host="127.0.0.1", port=args.redis_port))

    def increment(key):
        conflicts = 0
        with r.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    value = int(pipe.get(key) or 0)
                    pipe.multi()
                    pipe.set(key, value + 1)
                    pipe.execute()
                    return conflicts
                except redis.WatchError:
                    conflicts += 1

    run_loop(args, seed, out, increment)


def final_total(args):
    total = 0
    if args.system == "forkv":
        import forkv
        c = forkv.Client(args.endpoint, timeout=10.0)
        for k in range(args.keys):
            try:
                total += int(c.get("cas", "cas:%s:%d" % (args.run, k)))
            except forkv.NotFound:
                pass
        c.close()
    else:
        import redis
        r = (redis.Redis(unix_socket_path=args.redis_socket) if args.redis_socket
             else redis.Redis(host="127.0.0.1", port=args.redis_port))
        for k in range(args.keys):
            total += int(r.get("cas:%s:%d" % (args.run, k)) or 0)
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--system", choices=("forkv", "redis"), required=True)
    p.add_argument("--endpoint", help="the forkv manager's endpoint")
    p.add_argument("--redis-socket")
    p.add_argument("--redis-port", type=int, default=6379)
    p.add_argument("--procs", type=int, default=4)
    p.add_argument("--keys", type=int, default=16, help="counters (fewer: more conflicts)")
    p.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args()
    args.run = "%d-%d" % (os.getpid(), int(time.time()))  # this run's own counters
    if args.system == "forkv":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                        "clients", "python"))
        if not args.endpoint:
            p.error("--system forkv needs --endpoint")
    worker = forkv_worker if args.system == "forkv" else redis_worker
    out = mp.Queue()
    procs = [mp.Process(target=worker, args=(args, 1000 + i, out)) for i in range(args.procs)]
    start = time.monotonic()
    for pr in procs:
        pr.start()
    results = [out.get() for _ in procs]
    for pr in procs:
        pr.join()
    elapsed = time.monotonic() - start
    ok = sum(r[0] for r in results)
    conflicts = sum(r[1] for r in results)
    lat = sorted(x for r in results for x in r[2])
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1e6 if lat else 0
    print("ops_per_sec,conflicts_per_sec,p50_us,p99_us,final_total,increments,errors")
    total = final_total(args)
    print("%.0f,%.0f,%.1f,%.1f,%d,%d,%d" % (ok / elapsed, conflicts / elapsed, pct(0.5), pct(0.99),
                                            total, ok, 0 if total == ok else 1))
    return 0 if total == ok else 1


if __name__ == "__main__":
    sys.exit(main())
