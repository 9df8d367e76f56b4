#include "db_worker/rocksdb_logger.h"

#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>

namespace forkv {
namespace {

spdlog::level::level_enum LevelOf(rocksdb::InfoLogLevel level) {
  switch (level) {
    case rocksdb::InfoLogLevel::DEBUG_LEVEL:
      return spdlog::level::debug;
    case rocksdb::InfoLogLevel::INFO_LEVEL:
    case rocksdb::InfoLogLevel::HEADER_LEVEL:
      return spdlog::level::info;
    case rocksdb::InfoLogLevel::WARN_LEVEL:
      return spdlog::level::warn;
    case rocksdb::InfoLogLevel::ERROR_LEVEL:
      return spdlog::level::err;
    default:
      return spdlog::level::critical;
  }
}

class SpdlogRocksDbLogger final : public rocksdb::Logger {
 public:
  SpdlogRocksDbLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    int n = std::vsnprintf(buf, sizeof buf, format, ap);
    if (n < 0) return;
    spdlog::log(LevelOf(level), "rocksdb: {}", buf);
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> MakeRocksDbLogger() {
  return std::make_shared<SpdlogRocksDbLogger>();
}

}  // namespace forkv
