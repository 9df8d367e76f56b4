"""The Python client (clients/python/forkv) against real forkv processes.

Run by CTest: python3 -m unittest tests/python/test_client.py, with
PYTHONPATH=clients/python and FORKV_BIN_DIR=<build>/bin.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import forkv

BIN = os.environ.get("FORKV_BIN_DIR", "build/test/bin")


def wait_for(pred, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


class Manager:
    def __init__(self, root):
        self.root = root
        self.endpoint = "ipc://%s/run/manager.sock" % root
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.root, "manager.log"), "ab")
        self.proc = subprocess.Popen(
            [os.path.join(BIN, "forkv-manager"), "--socket", self.endpoint, "--data-dir",
             os.path.join(self.root, "data"), "--init", "--log-level", "warn"],
            stdout=self.log, stderr=self.log, start_new_session=True)
        probe = forkv.Client(self.endpoint, timeout=0.5, attempts=1)
        try:
            def up():
                try:
                    probe.ping()
                    return True
                except forkv.Error:
                    return False
            if not wait_for(up):
                raise RuntimeError("forkv-manager did not start")
        finally:
            probe.close()

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        self.proc = None
        self.log.close()


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="forkv-py-")
        self.manager = Manager(self.root)
        self.manager.start()
        self.client = forkv.Client(self.manager.endpoint, timeout=10.0)

    def tearDown(self):
        self.client.close()
        self.manager.stop(signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)

    def store_pid(self, name):
        for s in self.client.stores():
            if s["name"] == name:
                return s["pid"]
        return 0

    def test_scan_pages_every_pair_once_and_keys_after(self):
        c = self.client
        expected = [(b"k%04d" % i, bytes([i % 256]) * (i % 7)) for i in range(2500)]
        for k, v in expected:
            c.put("s", k, v)
        c.put("s", "other", b"x")
        self.assertEqual(list(c.scan("s", prefix=b"k")), expected)
        page = c.scan_page("s", prefix=b"k", limit=10)
        self.assertEqual(page["pairs"], expected[:10])
        self.assertEqual(page["next_after"], b"k0009")
        last = c.scan_page("s", after=b"k2498", prefix=b"k")
        self.assertEqual(last, {"pairs": expected[-1:], "next_after": None})
        self.assertEqual(c.keys("s", prefix=b"k", after=b"k2497"), [b"k2498", b"k2499"])
        with self.assertRaises(forkv.NotFound):
            list(c.scan("nosuch"))
        with self.assertRaises(forkv.InvalidArgument):
            c.scan_page("s", limit=10001)

    def test_every_op(self):
        c = self.client
        c.put("users", "alice", b"42")
        c.put("users", b"bob", "7")
        self.assertEqual(c.get("users", "alice"), b"42")
        self.assertEqual(c.get("users", "bob"), b"7")
        self.assertEqual(c.keys("users"), [b"alice", b"bob"])
        self.assertEqual(c.keys("users", prefix="b"), [b"bob"])
        self.assertEqual(c.keys("users", limit=1), [b"alice"])
        self.assertEqual(c.count("users"), 2)
        c.delete("users", "alice")
        with self.assertRaises(forkv.NotFound):
            c.get("users", "alice")
        with self.assertRaises(KeyError):  # NotFound is a KeyError
            c.delete("users", "alice")
        with self.assertRaises(forkv.NotFound):
            c.get("nostore", "k")
        c.create("empty")
        self.assertEqual(c.count("empty"), 0)
        names = sorted(s["name"] for s in c.stores())
        self.assertEqual(names, ["empty", "users"])
        c.drop("empty")
        self.assertEqual([s["name"] for s in c.stores()], ["users"])
        c.put("old", "k", b"v")
        self.assertEqual(c.rename("old", "new"), 1)
        self.assertEqual(c.get("new", "k"), b"v")
        with self.assertRaises(forkv.NotFound):
            c.get("old", "k")
        with self.assertRaises(forkv.InvalidArgument):
            c.rename("new", "users")  # taken
        c.drop("new")
        with self.assertRaises(forkv.InvalidArgument):
            c.put("../etc", "k", b"v")
        with self.assertRaises(forkv.TooLarge):
            c.put("users", b"k" * (64 * 1024 + 1), b"v")
        self.assertEqual(c.count("users"), 1)
        # Direct: located once per store, then straight to the store.
        self.assertGreater(c.stats["direct_requests"], 0)
        self.assertNotEqual(c.endpoint_of("users"), self.manager.endpoint)

    def test_versions_compare_and_swap_and_counters(self):
        for direct in (True, False):
            c = forkv.Client(self.manager.endpoint, timeout=10.0, direct=direct)
            store = "v%d" % direct
            v1 = c.put(store, "k", b"a")
            self.assertEqual(c.get_versioned(store, "k"), (b"a", v1))
            v2 = c.put(store, "k", b"b", if_version=v1)
            self.assertGreater(v2, v1)
            with self.assertRaises(forkv.ConditionFailed):
                c.put(store, "k", b"c", if_version=v1)
            with self.assertRaises(forkv.ConditionFailed):
                c.put(store, "k", b"c", if_absent=True)
            with self.assertRaises(forkv.ConditionFailed):
                c.delete(store, "k", if_version=v1)
            self.assertEqual(c.get(store, "k"), b"b")
            c.delete(store, "k", if_version=v2)
            v3 = c.put(store, "k", b"d", if_absent=True)
            self.assertGreater(v3, v2)
            self.assertEqual(c.incr(store, "n"), 1)
            self.assertEqual(c.incr(store, "n", -5), -4)
            with self.assertRaises(forkv.InvalidArgument):
                c.incr(store, "k")  # "d" is not an integer
            with self.assertRaises(forkv.InvalidArgument):
                c.put(store, "k", b"x", if_version=0)
            self.assertIsNone(c.expires_at(store, "k"))
            c.put(store, "t", b"x", ttl=3600)
            self.assertGreater(c.expires_at(store, "t"), time.time() + 3500)
            c.expire(store, "t", 0)
            self.assertIsNone(c.expires_at(store, "t"))
            with self.assertRaises(forkv.NotFound):
                c.expire(store, "nosuch", 10)
            c.close()

    def test_stores_in_pages(self):
        c = self.client
        names = ["q%02d" % i for i in range(9)]
        for name in reversed(names):
            c.create(name)
        self.assertEqual([s["name"] for s in c.stores()], names)  # one default page
        page = c.stores_page(limit=4)
        self.assertEqual([s["name"] for s in page["stores"]], names[:4])
        self.assertEqual(page["next_after"], "q03")
        self.assertEqual(page["total"], 9)
        self.assertEqual([s["name"] for s in c.stores(limit=4, after="q03")], names[4:8])
        last = c.stores_page(limit=4, after="q07")
        self.assertEqual([s["name"] for s in last["stores"]], ["q08"])
        self.assertIsNone(last["next_after"])
        self.assertEqual([s["name"] for s in c.iter_stores(limit=2)], names)
        self.assertEqual([s["name"] for s in c.iter_stores(state="running", limit=2)], names)
        self.assertEqual(list(c.iter_stores(state="hibernating")), [])
        for bad in (0, 10001, "7"):
            with self.assertRaises(forkv.InvalidArgument):
                c.stores(limit=bad)
        with self.assertRaises(forkv.InvalidArgument) as e:  # refused by the manager
            c.stores(state="asleep")
        self.assertIn("hibernating", str(e.exception))

    def test_binary_values_and_keys(self):
        value = bytes(range(256)) * 1000
        key = b"\x00\xff key"
        self.client.put("bin", key, value)
        self.assertEqual(self.client.get("bin", key), value)
        self.assertEqual(self.client.keys("bin"), [key])
        self.client.put("bin", "empty", b"")
        self.assertEqual(self.client.get("bin", "empty"), b"")

    def test_manager_path_answers_the_same(self):
        via_manager = forkv.Client(self.manager.endpoint, direct=False)
        try:
            self.client.put("s", "k", b"v")
            self.assertEqual(via_manager.get("s", "k"), b"v")
            via_manager.put("s", "k", b"w")
            self.assertEqual(self.client.get("s", "k"), b"w")
            self.assertEqual(via_manager.stats["direct_requests"], 0)
        finally:
            via_manager.close()

    def test_store_killed_during_a_loop_of_puts(self):
        c = self.client
        c.put("loop", "warm", b"up")
        acked, unknown = {}, set()
        killed = False
        for i in range(400):
            if i == 100:
                os.kill(self.store_pid("loop"), signal.SIGKILL)
                killed = True
            key = "k%d" % i
            try:
                c.put("loop", key, b"v%d" % i)
                acked[key] = b"v%d" % i
            except (forkv.Unavailable, forkv.Timeout):
                unknown.add(key)  # in flight when the store died: outcome unknown
        self.assertTrue(killed)
        self.assertLessEqual(len(unknown), 2)
        self.assertGreaterEqual(c.stats["relocations"], 1)
        for key, value in acked.items():
            self.assertEqual(c.get("loop", key), value, key)
        self.assertEqual(c.count("loop"), 1 + len(acked) + sum(
            1 for k in unknown if self._exists("loop", k)))

    def _exists(self, store, key):
        try:
            self.client.get(store, key)
            return True
        except forkv.NotFound:
            return False

    def test_manager_restart(self):
        c = self.client
        c.put("persist", "k", b"before restart")
        old_endpoint = c.endpoint_of("persist")
        self.manager.stop(signal.SIGTERM)
        with forkv.Client(self.manager.endpoint, timeout=0.5, attempts=1) as down:
            with self.assertRaises((forkv.Unavailable, forkv.Timeout)):
                down.get("persist", "k")
        self.manager.start()
        # The same client: its cached endpoint is gone, it locates again.
        self.assertEqual(c.get("persist", "k"), b"before restart")
        self.assertNotEqual(c.endpoint_of("persist"), old_endpoint)
        c.put("persist", "k2", b"after")
        self.assertEqual(c.get("persist", "k2"), b"after")

    def test_unreachable_manager_fails_fast(self):
        c = forkv.Client("ipc://%s/nobody.sock" % self.root, timeout=5.0)
        try:
            start = time.monotonic()
            with self.assertRaises(forkv.Unavailable):
                c.get("s", "k")
            self.assertLess(time.monotonic() - start, 4.0)
        finally:
            c.close()


class EndpointChoiceTest(unittest.TestCase):
    def test_rules(self):
        eps = ["ipc:///run/f/m7-s9.sock", "tcp://0.0.0.0:4001"]
        self.assertEqual(forkv.choose_store_endpoint("ipc:///m.sock", eps), eps[0])
        self.assertEqual(forkv.choose_store_endpoint("tcp://h:7070", eps), "tcp://h:4001")
        self.assertIsNone(forkv.choose_store_endpoint("tcp://h:7070", eps[:1]))
        self.assertIsNone(forkv.choose_store_endpoint("inproc://x", eps))


class DefaultEndpointTest(unittest.TestCase):
    """The manager is looked for where the CLI looks: $FORKV_SOCKET, else
    the first existing socket of $XDG_RUNTIME_DIR/forkv, /tmp/forkv-$UID,
    /run/forkv; else the first of them."""

    def setUp(self):
        self.saved = {k: os.environ.get(k) for k in ("FORKV_SOCKET", "XDG_RUNTIME_DIR")}
        self.tmp = tempfile.mkdtemp(prefix="forkv-py-ep-")
        os.environ.pop("FORKV_SOCKET", None)
        os.environ["XDG_RUNTIME_DIR"] = self.tmp

    def tearDown(self):
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(self.tmp)

    def test_first_existing_socket(self):
        first = self.tmp + "/forkv/manager.sock"
        if not any(os.path.exists(p) for p in ("/tmp/forkv-%d/manager.sock" % os.getuid(),
                                                "/run/forkv/manager.sock")):
            self.assertEqual(forkv.default_endpoint(), "ipc://" + first)  # none: the first
        os.makedirs(os.path.dirname(first))
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(first)
        try:
            self.assertEqual(forkv.default_endpoint(), "ipc://" + first)
            os.environ["FORKV_SOCKET"] = "tcp://127.0.0.1:1"
            self.assertEqual(forkv.default_endpoint(), "tcp://127.0.0.1:1")
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
