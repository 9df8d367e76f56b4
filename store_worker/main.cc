// forkv-store: one process per named store, started by forkv-manager only:
// either exec'd with a store's arguments, or once as the spawn server
// (--spawn-server FD), which forks stores on the manager's request.
#include <cstring>

#include "store_worker/spawn_server.h"
#include "store_worker/store_main.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--spawn-server") == 0) {
    return forkv::SpawnServerMain(argc, argv);
  }
  return forkv::StoreMain(argc, argv);
}
