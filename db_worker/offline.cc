#include "db_worker/offline.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <string_view>

#include "db_worker/rocksdb_storage.h"
#include "db_worker/store_ops.h"
#include "shared/proc.h"

namespace forkv {

int RunListStores(const ListStoresOptions& o) {
  OpenFailure failure = OpenFailure::kNone;
  auto storage = OpenRocksDbStorage(
      o.dir, RocksDbStorageOptions{.create_if_missing = o.create, .repair = o.repair}, &failure);
  if (!storage.ok()) {
    spdlog::error("{}", storage.status().ToString());
    return failure == OpenFailure::kPermanent ? kExitPermanentFailure : kExitSystem;
  }
  Status s = ListStores(**storage, [](std::string_view store) {
    std::fwrite(store.data(), 1, store.size(), stdout);
    std::fputc('\n', stdout);
    return true;
  });
  if (std::fflush(stdout) != 0) return kExitSystem;
  if (!s.ok()) {
    spdlog::error("{}: {}", o.dir, s.ToString());
    return s.code() == StatusCode::kMalformed ? kExitPermanentFailure : kExitSystem;
  }
  return kExitOk;
}

}  // namespace forkv
