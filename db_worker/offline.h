// forkv-db's one-shot mode, for forkv-manager --repair (manager/repair.h):
// open one shard without serving it and print the name of every store that
// has keys there, one per line, on standard output.
#pragma once

#include <string>

namespace forkv {

struct ListStoresOptions {
  std::string dir;
  bool create = false;  // create the database if it is missing
  bool repair = false;  // recover a corrupt WAL up to its first bad record
};

// Exit code: 0, 111 (transient: locked, I/O error) or 125 (cannot be opened
// or holds keys outside any store); the reason goes to the log (stderr).
int RunListStores(const ListStoresOptions& options);

}  // namespace forkv
