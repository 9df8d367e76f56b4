// What the manager starts: the argv of each child binary, as a pure
// function of the options and the manager's layout (its pid, internal
// endpoints, binary paths). The manager's loop only hands the result to
// SpawnChild() (shared/proc.h); children inherit the manager's environment.
//
// Internal endpoints are built from the manager's pid and the shard index,
// never from store names: ipc paths must fit in 107 bytes, and a restarted
// manager (a new pid) never binds or unlinks a predecessor's files.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manager/manager_options.h"
#include "shared/proc.h"

namespace forkv {

struct ManagerLayout {
  pid_t manager_pid = 0;
  std::string backend_endpoint;           // ipc://RUN/m<pid>-be.sock
  std::vector<std::string> db_endpoints;  // ipc://RUN/m<pid>-db<i>.sock, one per shard
  std::string store_prefix;  // ipc://RUN/m<pid>-s: StoreEndpoint() appends "<gen>.sock"
  // "tcp://HOST:*" when the manager listens on tcp:// (its first such
  // --listen endpoint's host): each store also binds an ephemeral port there.
  std::string store_tcp_bind;
  std::string store_exe, db_exe, http_exe;
};

// The ipc endpoint where store incarnation `gen` takes direct client
// requests: ipc://RUN/m<pid>-s<gen>.sock. Built from the manager's pid and
// the gen, never from the store's name (any byte may be in a name; a path
// must not be), and unique per incarnation, so a client can never reach a
// successor through its predecessor's endpoint.
std::string StoreEndpoint(const ManagerLayout& layout, uint64_t gen);

// `bin_dir` holds forkv-store, forkv-db and forkv-http.
ManagerLayout MakeLayout(const ManagerOptions& options, const std::string& run_dir, pid_t pid,
                         const std::string& bin_dir);

// Every binary the options need (forkv-http only with --http).
std::vector<std::string> RequiredBinaries(const ManagerOptions& options,
                                          const ManagerLayout& layout);

// One store incarnation. SIGKILL on parent death: a store has nothing to flush.
// The manager pid in the name of one of the socket files MakeLayout()
// names ("m<pid>-be.sock", "m<pid>-db<i>.sock", "m<pid>-s<gen>.sock");
// nullopt for any other name.
std::optional<pid_t> ManagerPidOfSocketFile(std::string_view filename);

// `copy_from`: a rename's old name, whose keys the store copies before it
// says ready (--copy-from; manager/rename_table.h). `fresh`: a store just
// created, with nothing to load (--fresh; Child::fresh).
SpawnSpec StoreSpawnSpec(const ManagerOptions& options, const ManagerLayout& layout,
                         const std::string& name, uint64_t gen, const std::string& copy_from = "",
                         bool fresh = false);
// The spawn server's arguments that every store shares (its spares prepare
// them ahead, store_worker/spawn_server.h): --log-level, --backend, --db.
std::vector<std::string> SpawnServerStoreArgs(const ManagerOptions& options,
                                              const ManagerLayout& layout);
// One database worker incarnation; `create`: it may create its database
// (manager/data_dir.h). It checks its shard against the catalogue. SIGTERM
// on parent death: it syncs and closes.
SpawnSpec DbSpawnSpec(const ManagerOptions& options, const ManagerLayout& layout, uint32_t shard,
                      uint64_t gen, bool create);
// The HTTP gateway. SIGKILL on parent death: stateless.
SpawnSpec HttpSpawnSpec(const ManagerOptions& options, const ManagerLayout& layout, uint64_t gen);

}  // namespace forkv
