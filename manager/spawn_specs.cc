#include "manager/spawn_specs.h"

#include <signal.h>

#include <cstdio>
#include <limits>

#include "manager/data_dir.h"

namespace forkv {

ManagerLayout MakeLayout(const ManagerOptions& o, const std::string& run_dir, pid_t pid,
                         const std::string& bin_dir) {
  ManagerLayout l;
  l.manager_pid = pid;
  std::string prefix = "ipc://" + run_dir + "/m" + std::to_string(pid);
  l.backend_endpoint = prefix + "-be.sock";
  for (uint32_t i = 0; i < o.db_workers; ++i) {
    l.db_endpoints.push_back(prefix + "-db" + std::to_string(i) + ".sock");
  }
  l.store_prefix = prefix + "-s";
  for (const std::string& ep : o.listen) {
    if (ep.rfind("tcp://", 0) != 0) continue;
    std::string hostport = ep.substr(6);
    size_t colon = hostport.rfind(':');
    if (colon == std::string::npos) continue;
    l.store_tcp_bind = "tcp://" + hostport.substr(0, colon) + ":*";
    break;
  }
  l.store_exe = bin_dir + "/forkv-store";
  l.db_exe = bin_dir + "/forkv-db";
  l.http_exe = bin_dir + "/forkv-http";
  return l;
}

std::vector<std::string> RequiredBinaries(const ManagerOptions& o, const ManagerLayout& l) {
  std::vector<std::string> exes = {l.store_exe, l.db_exe};
  if (!o.http_listen.empty()) exes.push_back(l.http_exe);
  return exes;
}

std::optional<pid_t> ManagerPidOfSocketFile(std::string_view name) {
  if (name.size() < 8 || name[0] != 'm' || name.substr(name.size() - 5) != ".sock") {
    return std::nullopt;
  }
  size_t dash = name.find('-');
  if (dash == std::string_view::npos || dash == 1 || dash > 11) return std::nullopt;
  int64_t pid = 0;
  for (char c : name.substr(1, dash - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    pid = pid * 10 + (c - '0');
  }
  if (pid <= 0 || pid > std::numeric_limits<pid_t>::max()) return std::nullopt;
  std::string_view rest = name.substr(dash + 1, name.size() - dash - 1 - 5);
  if (rest == "be") return static_cast<pid_t>(pid);
  std::string_view digits;
  if (rest.substr(0, 2) == "db") {
    digits = rest.substr(2);
  } else if (rest.substr(0, 1) == "s") {
    digits = rest.substr(1);
  } else {
    return std::nullopt;
  }
  if (digits.empty()) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return static_cast<pid_t>(pid);
}

std::string StoreEndpoint(const ManagerLayout& l, uint64_t gen) {
  return l.store_prefix + std::to_string(gen) + ".sock";
}

namespace {

std::string DbEndpointList(const ManagerLayout& l) {
  std::string dbs;
  for (const std::string& ep : l.db_endpoints) dbs += (dbs.empty() ? "" : ",") + ep;
  return dbs;
}

std::string OctalMode(uint32_t mode) {
  char text[8];
  snprintf(text, sizeof text, "%04o", mode & 0777);
  return text;
}

}  // namespace

std::vector<std::string> SpawnServerStoreArgs(const ManagerOptions& o, const ManagerLayout& l) {
  return {"--log-level", o.log_level, "--backend", l.backend_endpoint, "--db", DbEndpointList(l)};
}

SpawnSpec StoreSpawnSpec(const ManagerOptions& o, const ManagerLayout& l, const std::string& name,
                         uint64_t gen, const std::string& copy_from, bool fresh) {
  SpawnSpec spec{
      .exe = l.store_exe,
      .args = {"--name", name, "--gen", std::to_string(gen), "--backend", l.backend_endpoint,
               "--db", DbEndpointList(l), "--bind", StoreEndpoint(l, gen), "--log-level",
               o.log_level, "--parent-pid", std::to_string(l.manager_pid), "--idle-after-ms",
               std::to_string(o.ping_interval_ms), "--socket-mode", OctalMode(o.socket_mode)},
      .parent_death_signal = SIGKILL};
  if (!l.store_tcp_bind.empty()) {
    spec.args.push_back("--bind");
    spec.args.push_back(l.store_tcp_bind);
  }
  if (!copy_from.empty()) {
    spec.args.push_back("--copy-from");
    spec.args.push_back(copy_from);
  } else if (fresh) {
    spec.args.push_back("--fresh");
  }
  return spec;
}

SpawnSpec DbSpawnSpec(const ManagerOptions& o, const ManagerLayout& l, uint32_t shard, uint64_t gen,
                      bool create) {
  SpawnSpec spec{.exe = l.db_exe,
                 .args = {"--shard",
                          std::to_string(shard),
                          "--shards",
                          std::to_string(o.db_workers),
                          "--dir",
                          ShardDir(o.data_dir, shard),
                          "--catalogue",
                          CataloguePath(o.data_dir),
                          "--bind",
                          l.db_endpoints.at(shard),
                          "--backend",
                          l.backend_endpoint,
                          "--gen",
                          std::to_string(gen),
                          "--fsync",
                          o.fsync_mode,
                          "--fsync-interval-ms",
                          std::to_string(o.fsync_interval_ms),
                          "--log-level",
                          o.log_level,
                          "--parent-pid",
                          std::to_string(l.manager_pid)},
                 .parent_death_signal = SIGTERM};
  if (create) spec.args.push_back("--create");
  return spec;
}

SpawnSpec HttpSpawnSpec(const ManagerOptions& o, const ManagerLayout& l, uint64_t gen) {
  return {
      .exe = l.http_exe,
      .args = {"--listen", o.http_listen, "--manager", o.endpoint, "--backend", l.backend_endpoint,
               "--gen", std::to_string(gen), "--log-level", o.log_level, "--parent-pid",
               std::to_string(l.manager_pid), "--threads", std::to_string(o.http_threads),
               "--upstream-timeout-ms", std::to_string(o.http_upstream_timeout_ms), "--upstream",
               o.http_direct ? "direct" : "manager"},
      .parent_death_signal = SIGKILL};
}

}  // namespace forkv
