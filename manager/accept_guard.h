// Keeps the manager alive when connections would exhaust its file
// descriptors (hardening issue, item 10).
//
// libzmq accepts connections on its own I/O thread, and its ipc listener
// asserts on EMFILE (src/ipc_listener.cpp: "Too many open files"): 1,100
// client connections under `ulimit -n 1024` aborted the manager and its
// whole tree. libzmq has no connection limit to set. So the manager defines
// accept() and accept4() itself: libzmq's calls bind to them (the executable
// comes first in the dynamic linker's search order), and they call the
// kernel directly. With a guard installed:
//   - a new client connection whose descriptor would reach `client_limit`
//     is closed at once and reported as ECONNABORTED, which libzmq treats as
//     a connection that went away: the client sees it closed and reconnects
//     later (ZeroMQ retries every 100 ms);
//   - internal listeners (children connecting to the backend, named by
//     their socket paths) may go up to the higher `internal_limit`, so a
//     crowd of clients cannot stop stores from starting;
//   - on EMFILE itself (another thread took the last descriptors) a spare
//     descriptor is given up to accept the connection and close it (the
//     libuv/nginx "EMFILE trick"), so the listener does not stay readable in
//     a busy loop.
// Without a guard (other processes, tests) both functions are plain accepts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace forkv {

struct AcceptLimits {
  int client_limit = 0;                     // refuse client fds >= this
  int internal_limit = 0;                   // refuse internal fds >= this
  std::vector<std::string> internal_paths;  // ipc socket paths of internal listeners
};

// The limits for a process allowed `nofile` descriptors.
AcceptLimits DefaultAcceptLimits(int nofile, std::vector<std::string> internal_paths);

// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the soft limit now.
int RaiseFileLimit();

// Installs the guard (once, before the first bind; the limits live as long
// as the process).
void InstallAcceptGuard(AcceptLimits limits);

// Connections refused by the guard so far.
uint64_t RefusedConnections();

}  // namespace forkv
