// RocksDB's info log, sent to forkv's own log (spdlog: stderr, the journal
// under systemd) instead of a LOG file inside the shard directory. Two
// reasons: RocksDB's warnings (a background I/O error, a corrupt WAL) reach
// the operator at their level; and on a full disk Debian's RocksDB 7.8
// aborts on an assertion when its LOG file append fails.
#pragma once

#include <rocksdb/env.h>

#include <memory>

namespace forkv {

// Forwards WARN and above (rocksdb::InfoLogLevel) as "rocksdb: ..." lines.
std::shared_ptr<rocksdb::Logger> MakeRocksDbLogger();

}  // namespace forkv
