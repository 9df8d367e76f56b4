#!/usr/bin/env python3
"""Latency of a put after a quiet period, against a running forkv-manager.

A store disconnects from the database workers after 5 s without using them
(docs/architecture.md, "An idle store holds no database links"); its next
write reconnects. This prints the p50 of a put after 0.01 s, 1.3 s and 6 s
of quiet, so the reconnect's cost is the last two figures' difference.

  bench/write_after_quiet.py [ENDPOINT] [SAMPLES]   (default: the CLI's endpoint, 12)
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
import forkv  # noqa: E402

endpoint = sys.argv[1] if len(sys.argv) > 1 else None
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 12
client = forkv.Client(endpoint)
client.put("bench-quiet", b"k", b"v")
for pause in (0.01, 1.3, 6.0):
    ms = []
    for i in range(samples):
        time.sleep(pause)
        t = time.perf_counter()
        client.put("bench-quiet", b"k", b"v%d" % i)
        ms.append((time.perf_counter() - t) * 1e3)
    print("put after %.2f s of quiet: p50 %.3f ms, max %.3f ms" % (pause, statistics.median(ms), max(ms)))
client.close()
