"""forkv: the Python client of the forkv supervised key-value service.

    import forkv
    c = forkv.Client()                  # the default endpoint, as the `forkv` command finds it
    c.put("users", "alice", b"42")
    assert c.get("users", "alice") == b"42"
    c.delete("users", "alice")
    try:
        c.get("users", "alice")
    except forkv.NotFound:              # a KeyError
        pass

Pure Python over pyzmq and msgpack (Debian: python3-zmq, python3-msgpack).
It speaks the wire protocol of docs/protocol.md. Like the C++ library, it
goes straight to each store's process by default: the first request for a
store asks the manager where the store is (`locate`), the store's endpoint
is cached, and requests go there. A cached endpoint is dropped and the store
located again when the store refuses a request without applying it
(`moved`), when its process exits (a socket monitor sees the connection
close) or when a request times out. Contracts:

  - put/delete return once the database worker wrote the change;
  - a write in flight when its store died, or unanswered in time, raises
    Unavailable or Timeout: it may or may not have been applied, and it is
    not resent;
  - reads, and requests refused without being applied, are retried on the
    store's next incarnation, up to `attempts` times.

Keys and values are bytes (str is encoded as UTF-8). A Client is not
thread-safe: use one per thread.
"""

import os
import random
import socket
import stat
import struct
import time

import msgpack
import zmq

__all__ = [
    "Client", "Error", "NotFound", "InvalidArgument", "Unavailable", "Failed", "TooLarge",
    "Malformed", "UnknownOp", "VersionMismatch", "IoError", "Timeout", "Internal", "ConditionFailed",
    "default_endpoint",
]

PROTOCOL_VERSION = 1

# Op codes (docs/protocol.md, section 5).
OP_PING, OP_PUT, OP_GET, OP_DEL, OP_KEYS, OP_COUNT = 1, 2, 3, 4, 5, 6
OP_STORES, OP_CREATE, OP_DROP, OP_STATUS, OP_RESTART, OP_KILL, OP_WAIT = 7, 8, 9, 10, 11, 12, 13
OP_LOCATE, OP_SCAN, OP_BACKUP, OP_RENAME, OP_INCR, OP_EXPIRE = 14, 15, 16, 17, 18, 19
LOCATE_CREATE = 1
GET_VERSION = 1

# `stores` pages (docs/protocol.md, "Listing stores"): stores per page by default, at most.
STORES_DEFAULT_LIMIT, STORES_MAX_LIMIT = 1000, 10000

# Status codes (docs/protocol.md, section 6).
OK, NOT_FOUND, INVALID_ARGUMENT, UNAVAILABLE, TOO_LARGE, MALFORMED = 0, 1, 2, 3, 4, 5
UNKNOWN_OP, VERSION_MISMATCH, IO_ERROR, TIMEOUT, INTERNAL, MOVED = 6, 7, 8, 9, 10, 11
FAILED, CONDITION_FAILED = 12, 13

_READS = (OP_GET, OP_KEYS, OP_COUNT, OP_SCAN)


class Error(Exception):
    """A forkv error: `code` is the wire status code, `message` the server's text."""

    code = INTERNAL

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self):
        return self.message


class NotFound(Error, KeyError):
    code = NOT_FOUND

    def __str__(self):  # KeyError would quote the message
        return self.message


class InvalidArgument(Error, ValueError):
    code = INVALID_ARGUMENT


class Unavailable(Error):
    code = UNAVAILABLE


class Failed(Unavailable):
    """The store gave up restarting (its restart intensity): down until `restart`."""
    code = FAILED


class TooLarge(Error, ValueError):
    code = TOO_LARGE


class Malformed(Error):
    code = MALFORMED


class UnknownOp(Error):
    code = UNKNOWN_OP


class VersionMismatch(Error):
    code = VERSION_MISMATCH


class IoError(Error):
    code = IO_ERROR


class Timeout(Error, TimeoutError):
    code = TIMEOUT


class Internal(Error):
    code = INTERNAL


class ConditionFailed(Error):
    """A conditional write's condition (if_version, absence) did not hold: nothing was applied."""
    code = CONDITION_FAILED


class _Moved(Error):
    code = MOVED


_BY_CODE = {cls.code: cls for cls in (NotFound, InvalidArgument, Unavailable, TooLarge, Malformed,
                                      UnknownOp, VersionMismatch, IoError, Timeout, Internal,
                                      _Moved, Failed, ConditionFailed)}


def _error(code, message):
    return _BY_CODE.get(code, Error)(message, code)


def default_endpoint():
    """$FORKV_SOCKET, else the first of these sockets that exists:
    $XDG_RUNTIME_DIR/forkv/manager.sock, /tmp/forkv-$UID/manager.sock,
    /run/forkv/manager.sock (the systemd unit's); else the first of them.
    Where the `forkv` command looks."""
    env = os.environ.get("FORKV_SOCKET")
    if env:
        return env
    paths = []
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        paths.append(xdg + "/forkv/manager.sock")
    paths.append("/tmp/forkv-%d/manager.sock" % os.getuid())
    paths.append("/run/forkv/manager.sock")
    for p in paths:
        try:
            if stat.S_ISSOCK(os.stat(p).st_mode):
                return "ipc://" + p
        except OSError:
            pass
    return "ipc://" + paths[0]


def _bytes(b):
    return b.encode("utf-8") if isinstance(b, str) else bytes(b)


def choose_store_endpoint(manager_endpoint, store_endpoints):
    """The store endpoint this client can reach (same rule as the C++
    library's): ipc for an ipc manager, tcp (a wildcard host replaced by the
    manager's) for a tcp one; None: use the manager path."""
    if manager_endpoint.startswith("ipc://"):
        for ep in store_endpoints:
            if ep.startswith("ipc://"):
                return ep
        return None
    if not manager_endpoint.startswith("tcp://"):
        return None
    manager_host = manager_endpoint[6:].rpartition(":")[0]
    for ep in store_endpoints:
        if not ep.startswith("tcp://"):
            continue
        host, _, port = ep[6:].rpartition(":")
        if not host or not port or not manager_host:
            continue
        if host in ("0.0.0.0", "[::]", "*"):
            host = manager_host
        return "tcp://%s:%s" % (host, port)
    return None


class _PeerLost(Exception):
    pass


class _Connection:
    """One DEALER to one ROUTER (the manager's or a store's), Lazy Pirate:
    the socket is closed after a timeout so a late reply is never taken for
    the answer to a later request."""

    def __init__(self, ctx, endpoint, watch_peer):
        self.ctx = ctx
        self.endpoint = endpoint
        self.watch_peer = watch_peer
        self.sock = None
        self.monitor = None
        self.sent = False  # the last request was handed to a live connection
        self.gen = 0  # the store incarnation behind this endpoint
        self.next_id = random.getrandbits(63) | 1

    def close(self):
        # Stop the monitor before closing either socket: ZeroMQ's I/O thread
        # sends monitor events with a blocking send, and a close emits one.
        if self.sock is not None and self.monitor is not None:
            try:
                self.sock.disable_monitor()
            except zmq.ZMQError:
                pass
        if self.monitor is not None:
            self.monitor.close(linger=0)
            self.monitor = None
        if self.sock is not None:
            self.sock.close(linger=0)
            self.sock = None

    def _probe(self):
        # ZeroMQ retries connects forever; one AF_UNIX connect tells at once
        # whether anything listens at an ipc path.
        if not self.endpoint.startswith("ipc://"):
            return
        path = self.endpoint[6:]
        if path.startswith("@"):
            return
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.setblocking(False)
            s.connect(path)
        except (FileNotFoundError, ConnectionRefusedError) as e:
            raise Unavailable("cannot connect to %s: %s" % (self.endpoint, e.strerror))
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            s.close()

    def _open(self):
        if self.sock is not None:
            return
        self._probe()
        sock = self.ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.IMMEDIATE, 1)
        if self.watch_peer:
            sock.setsockopt(zmq.RECONNECT_IVL, -1)  # an incarnation's endpoint never returns
            self.monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        sock.connect(self.endpoint)
        self.sock = sock

    def _wait(self, events, deadline):
        poller = zmq.Poller()
        poller.register(self.sock, events)
        if self.monitor is not None:
            poller.register(self.monitor, zmq.POLLIN)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            ready = dict(poller.poll(remaining * 1000))
            if self.sock in ready:
                return True
            if self.monitor is not None and self.monitor in ready:
                while True:
                    try:
                        frames = self.monitor.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    event = struct.unpack("=H", frames[0][:2])[0]
                    if event == zmq.EVENT_DISCONNECTED:
                        raise _PeerLost(self.endpoint + " closed the connection (its process exited)")

    def call(self, op, store="", key=b"", value=b"", arg=0, timeout=5.0, if_version=None,
             ttl_ms=0):
        """The reply [code, message, body] to one request; raises Timeout,
        Unavailable (nothing listens, or the peer was lost) or Internal."""
        self.sent = False
        self._open()
        request_id = self.next_id
        self.next_id = (self.next_id + 1) & (2 ** 64 - 1) or 1
        fields = [PROTOCOL_VERSION, request_id, op, store, _bytes(key), _bytes(value), arg]
        if if_version is not None or ttl_ms:
            fields.append(if_version)  # nil: no condition
        if ttl_ms:
            fields.append(ttl_ms)
        payload = msgpack.packb(fields, use_bin_type=True)
        deadline = time.monotonic() + timeout
        try:
            if not self._wait(zmq.POLLOUT, deadline):
                raise Timeout("no reply from %s within %d ms (no connection established)"
                              % (self.endpoint, timeout * 1000))
            self.sock.send(payload, zmq.NOBLOCK)
            self.sent = True
            while True:
                if not self._wait(zmq.POLLIN, deadline):
                    raise Timeout("no reply from %s within %d ms" % (self.endpoint, timeout * 1000))
                frames = self.sock.recv_multipart()
                if len(frames) != 1:
                    continue
                try:
                    reply = msgpack.unpackb(frames[0], raw=False)
                except Exception as e:  # noqa: BLE001 - any undecodable reply
                    raise Internal("undecodable reply from %s: %s" % (self.endpoint, e))
                if not isinstance(reply, list) or len(reply) != 5:
                    raise Internal("reply from %s is not an array of 5" % self.endpoint)
                _, reply_id, code, message, body = reply
                if reply_id == request_id or (reply_id == 0 and code != OK):
                    return code, message, body
        except _PeerLost as e:
            self.close()
            raise Unavailable(str(e))
        except Timeout:
            self.close()
            raise
        except Internal:
            self.close()
            raise


class Client:
    """A client of one forkv service. See the module's docstring."""

    def __init__(self, endpoint=None, timeout=5.0, attempts=3, direct=True, max_cached_stores=64):
        self.endpoint = endpoint or default_endpoint()
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.direct = direct
        self.max_cached_stores = max(1, max_cached_stores)
        self._ctx = zmq.Context()
        self._manager = _Connection(self._ctx, self.endpoint, watch_peer=False)
        self._routes = {}  # store -> _Connection or None (manager path), oldest first
        self._direct_supported = True
        self._lost = {}  # store -> gen of the route just dropped
        self.stats = {"locates": 0, "relocations": 0, "direct_requests": 0, "manager_requests": 0}

    def close(self):
        for conn in self._routes.values():
            if conn is not None:
                conn.close()
        self._routes.clear()
        self._manager.close()
        self._ctx.term()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- paths ----------------------------------------------------------------

    def _manager_call(self, op, store="", key=b"", value=b"", arg=0, if_version=None, ttl_ms=0):
        self.stats["manager_requests"] += 1
        return self._manager.call(op, store, key, value, arg, self.timeout, if_version, ttl_ms)

    def _forget(self, store):
        conn = self._routes.pop(store, None)
        if conn is not None:
            # The next locate names this incarnation, so that the manager
            # answers its successor (it may not have reaped this one yet).
            if len(self._lost) > 4096:
                self._lost.clear()
            self._lost[store] = conn.gen
            conn.close()
        self.stats["relocations"] += 1

    def _route(self, store, create):
        if store in self._routes:
            conn = self._routes.pop(store)  # most recently used last
            self._routes[store] = conn
            return conn
        self.stats["locates"] += 1
        stale = self._lost.pop(store, None)
        code, message, body = self._manager.call(OP_LOCATE, store,
                                                 key=str(stale) if stale is not None else b"",
                                                 arg=LOCATE_CREATE if create else 0,
                                                 timeout=self.timeout)
        if code == UNKNOWN_OP:
            self._direct_supported = False
            return None
        if code != OK:
            raise _error(code, message)
        endpoints = body.get("endpoints", []) if isinstance(body, dict) else []
        chosen = choose_store_endpoint(self.endpoint, [e for e in endpoints if isinstance(e, str)])
        conn = _Connection(self._ctx, chosen, watch_peer=True) if chosen else None
        if conn is not None and isinstance(body, dict):
            conn.gen = body.get("gen", 0)
        while len(self._routes) >= self.max_cached_stores:
            oldest = next(iter(self._routes))
            old = self._routes.pop(oldest)
            if old is not None:
                old.close()
        self._routes[store] = conn
        return conn

    def _store_call(self, op, store, key=b"", value=b"", arg=0, if_version=None, ttl_ms=0):
        if not self.direct or not self._direct_supported:
            return self._manager_call(op, store, key, value, arg, if_version, ttl_ms)
        last = None
        for attempt in range(1, self.attempts + 1):
            try:
                conn = self._route(store, create=(op in (OP_PUT, OP_INCR)))
            except Timeout as e:
                # The store did not serve within the manager's wait (a slow
                # restart): locate again while attempts remain.
                if attempt == self.attempts:
                    raise
                last = e
                continue
            if conn is None:
                return self._manager_call(op, store, key, value, arg, if_version, ttl_ms)
            self.stats["direct_requests"] += 1
            try:
                code, message, body = conn.call(op, store, key, value, arg, self.timeout,
                                                if_version, ttl_ms)
            except (Unavailable, Timeout, Internal) as e:
                sent = conn.sent
                self._forget(store)
                if sent and op not in _READS:
                    raise type(e)(e.message + "; the write may or may not have been applied")
                last = e
                continue
            if code == MOVED:
                self._forget(store)
                last = Unavailable("store '%s' kept moving: %s" % (store, message))
                continue
            return code, message, body
        raise last

    @staticmethod
    def _check(reply):
        code, message, body = reply
        if code != OK:
            raise _error(code, message)
        return body

    # ---- operations -----------------------------------------------------------

    def put(self, store, key, value, if_version=None, if_absent=False, ttl=None):
        """Stores `value` under `key` and returns the key's new version; creates
        the store if it does not exist. With `if_version` (an int), only if the
        key is at that version; with `if_absent`, only if it does not exist:
        otherwise raises ConditionFailed and nothing is written. With `ttl`
        (seconds > 0), the key expires that long after the write."""
        ttl_ms = 0
        if ttl is not None:
            ttl_ms = int(round(ttl * 1000))
            if ttl_ms <= 0:
                raise InvalidArgument("put: ttl must be > 0")
        if if_absent:
            if if_version is not None:
                raise InvalidArgument("put: if_version and if_absent exclude each other")
            if_version = 0
        elif if_version is not None and if_version < 1:
            raise InvalidArgument("put: if_version must be >= 1")
        return self._check(self._store_call(OP_PUT, store, key, value, if_version=if_version,
                                            ttl_ms=ttl_ms))

    def get(self, store, key):
        """The value (bytes); raises NotFound when the key or the store is absent."""
        body = self._check(self._store_call(OP_GET, store, key))
        return _bytes(body) if body is not None else b""

    def get_versioned(self, store, key):
        """(value, version) of `key`; raises NotFound when absent."""
        body = self._check(self._store_call(OP_GET, store, key, arg=GET_VERSION))
        if not isinstance(body, list) or len(body) != 3:
            raise Internal("get: unexpected reply body")
        return _bytes(body[0]), body[1]

    def expires_at(self, store, key):
        """When `key`'s time to live ends, in unix seconds (a float), or None."""
        body = self._check(self._store_call(OP_GET, store, key, arg=GET_VERSION))
        if not isinstance(body, list) or len(body) != 3:
            raise Internal("get: unexpected reply body")
        return body[2] / 1000.0 if body[2] else None

    def expire(self, store, key, ttl):
        """Sets `key`'s time to live to `ttl` seconds from now (0: never
        expires); returns its new version. NotFound when absent."""
        ms = int(round(ttl * 1000))
        if ms < 0:
            raise InvalidArgument("expire: ttl must be >= 0")
        return self._check(self._store_call(OP_EXPIRE, store, key, arg=ms))

    def delete(self, store, key, if_version=None):
        """Raises NotFound when the key or the store is absent; with
        `if_version`, ConditionFailed unless the key is at that version."""
        if if_version is not None and if_version < 1:
            raise InvalidArgument("delete: if_version must be >= 1")
        self._check(self._store_call(OP_DEL, store, key, if_version=if_version))

    def incr(self, store, key, by=1):
        """Adds `by` to the 64-bit counter `key` (absent counts as 0) and returns
        the new value; InvalidArgument when the value is not an integer or the
        sum overflows. Never resent: a lost reply raises, it does not count twice."""
        body = self._check(self._store_call(OP_INCR, store, key, str(int(by)).encode()))
        if not isinstance(body, list) or len(body) != 2:
            raise Internal("incr: unexpected reply body")
        return body[0]

    def keys(self, store, prefix=b"", limit=0, after=b""):
        """Keys (bytes) starting with `prefix` and sorting after `after`, in
        byte order; at most `limit` (0 = all)."""
        body = self._check(self._store_call(OP_KEYS, store, prefix, after, arg=limit))
        return [_bytes(k) for k in (body or [])]

    def scan_page(self, store, after=b"", prefix=b"", limit=0):
        """One page of (key, value) pairs in key order (docs/protocol.md,
        "Scanning a store"): a dict with "pairs" (a list of (bytes, bytes))
        and "next_after" (the next page's `after`, or None at the end)."""
        body = self._check(self._store_call(OP_SCAN, store, after, prefix, arg=limit))
        if not isinstance(body, dict) or not isinstance(body.get("pairs"), list):
            raise Internal("scan: unexpected reply body")
        flat = body["pairs"]
        pairs = [(_bytes(flat[i]), _bytes(flat[i + 1])) for i in range(0, len(flat) - 1, 2)]
        nxt = body.get("next_after")
        return {"pairs": pairs, "next_after": _bytes(nxt) if nxt is not None else None}

    def scan(self, store, prefix=b""):
        """Every (key, value) pair starting with `prefix`, in key order, one
        page (1000 pairs, 4 MiB at most) at a time: bounded memory however
        large the store. Not a snapshot: writes between pages show in later
        pages."""
        after = b""
        while True:
            page = self.scan_page(store, after, prefix)
            yield from page["pairs"]
            if page["next_after"] is None:
                return
            after = page["next_after"]

    def count(self, store):
        return self._check(self._store_call(OP_COUNT, store))

    def stores(self, limit=STORES_DEFAULT_LIMIT, after="", state=""):
        """One page of stores in name order, a dict per store (name, state,
        pid, restarts, generation...): at most `limit` (1..10000) stores whose
        names sort after `after`, only those in `state` when given
        ("running", "hibernating"...: docs/protocol.md). stores_page() also
        says where the next page starts; iter_stores() walks every page."""
        return self.stores_page(limit, after, state)["stores"]

    def stores_page(self, limit=STORES_DEFAULT_LIMIT, after="", state=""):
        """The manager's whole answer for one page: {"stores": [...],
        "db_workers": [...], "next_after": the `after` of the next page, or
        None when this one is the last, "total": stores in the catalogue}. A
        page may be short, even empty, and still have a next_after (a state
        filter examines a bounded number of names per request)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or \
                not 1 <= limit <= STORES_MAX_LIMIT:
            raise InvalidArgument("stores: limit must be 1..%d, got %r" % (STORES_MAX_LIMIT, limit))
        body = self._check(self._manager_call(OP_STORES, "", after, state, limit))
        body.setdefault("stores", [])
        body.setdefault("next_after", None)
        return body

    def iter_stores(self, state="", limit=STORES_DEFAULT_LIMIT):
        """Every store (in `state`, when given), page by page: memory holds
        one page whatever the catalogue holds."""
        after = ""
        while True:
            page = self.stores_page(limit, after, state)
            for store in page["stores"]:
                yield store
            if page["next_after"] is None:
                return
            after = page["next_after"]

    def create(self, store):
        self._check(self._manager_call(OP_CREATE, store))

    def drop(self, store):
        if store in self._routes:
            self._forget(store)
        self._check(self._manager_call(OP_DROP, store))

    def rename(self, store, new_name, timeout=None):
        """Renames `store` to `new_name`, which no store may have: every key is
        copied, then the old name is dropped. Returns the number of keys.
        Waits (by default at least 95 s: the copy may take up to the
        manager's --start-timeout-ms) until both are done."""
        if store in self._routes:
            self._forget(store)
        self.stats["manager_requests"] += 1
        wait = timeout if timeout is not None else max(self.timeout, 95.0)
        body = self._check(self._manager.call(OP_RENAME, store, b"", _bytes(new_name), 0, wait))
        return body["keys"]

    def ping(self):
        return self._check(self._manager_call(OP_PING))

    def endpoint_of(self, store):
        """Where requests for `store` go now (locating it, without creating it)."""
        if not self.direct or not self._direct_supported:
            return self.endpoint
        conn = self._route(store, create=False)
        return conn.endpoint if conn is not None else self.endpoint
