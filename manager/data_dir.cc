#include "manager/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <system_error>

#include "shared/files.h"
#include "shared/runtime.h"

namespace forkv {
namespace {

std::string RepairHint(const std::string& data_dir) {
  return " Restore it from a backup, or run `forkv-manager --data-dir " + data_dir +
         " --repair` (docs/architecture.md, \"Damaged data directories\").";
}

}  // namespace

std::optional<uint32_t> ShardIndex(const std::string& name) {
  constexpr std::string_view kPrefix = "shard-";
  if (!name.starts_with(kPrefix) || name.size() == kPrefix.size()) return std::nullopt;
  uint32_t i = 0;
  const char* first = name.data() + kPrefix.size();
  const char* last = name.data() + name.size();
  auto [ptr, ec] = std::from_chars(first, last, i);
  if (ec != std::errc() || ptr != last || std::to_string(i) != std::string(first, last)) {
    return std::nullopt;
  }
  return i;
}

std::string ShardDir(const std::string& data_dir, uint32_t shard) {
  return data_dir + "/shard-" + std::to_string(shard);
}

std::string CataloguePath(const std::string& data_dir) { return data_dir + "/catalogue"; }

Status PrepareDataDir(const std::string& data_dir, bool init) {
  struct stat st;
  if (stat(data_dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(data_dir + " is not a directory");
    return Status::Ok();
  }
  if (errno != ENOENT) {
    return Status::IoError("cannot use --data-dir " + data_dir + ": " + std::strerror(errno));
  }
  if (!init) {
    return Status::InvalidArgument(
        "--data-dir " + data_dir +
        " does not exist. Check the path, or pass --init to create a new, empty data directory "
        "there (an existing empty directory is initialised without --init)");
  }
  return MakeDirectories(data_dir);
}

Result<UniqueFd> LockDataDir(const std::string& data_dir) {
  std::string path = data_dir + "/LOCK";
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    return Status::Unavailable("another forkv-manager is using " + data_dir);
  }
  return fd;
}

Result<std::optional<DataFormat>> ReadFormat(const std::string& data_dir) {
  std::string path = data_dir + "/FORMAT";
  auto contents = ReadWholeFile(path);
  if (!contents.ok() && contents.status().code() == StatusCode::kNotFound) {
    return std::optional<DataFormat>();
  }
  if (!contents.ok()) return contents.status();
  std::istringstream in(*contents);
  std::string magic, shards_word, mark, rest;
  int version = 0;
  uint32_t shards = 0;
  if (!(in >> magic >> version >> shards_word >> shards) || magic != "forkv-data" ||
      shards_word != "shards" || shards == 0) {
    return Status::Malformed(path + " is not a forkv FORMAT file.");
  }
  bool initialising = false;
  if (in >> mark) {
    if (mark != "initialising" || (in >> rest)) {
      return Status::Malformed(path + " is not a forkv FORMAT file.");
    }
    initialising = true;
  }
  if (version != kDataFormatVersion) {
    return Status::InvalidArgument(data_dir + " has data format " + std::to_string(version) +
                                   "; this forkv reads format " +
                                   std::to_string(kDataFormatVersion));
  }
  return std::optional<DataFormat>(DataFormat{shards, initialising});
}

Status WriteFormat(const std::string& data_dir, uint32_t shards, bool initialising) {
  return WriteFileAtomically(data_dir + "/FORMAT", "forkv-data " +
                                                       std::to_string(kDataFormatVersion) +
                                                       "\nshards " + std::to_string(shards) + "\n" +
                                                       (initialising ? "initialising\n" : ""));
}

Result<DataDirContents> InspectDataDir(const std::string& data_dir) {
  DataDirContents out;
  auto format = ReadFormat(data_dir);
  if (!format.ok()) return format.status();
  if (format->has_value()) {
    out.format_shards = (*format)->shards;
    out.initialising = (*format)->initialising;
  }
  auto catalogue = LoadCatalogue(CataloguePath(data_dir));
  if (catalogue.ok()) {
    out.catalogue = std::move(catalogue).value();
  } else if (catalogue.status().code() != StatusCode::kNotFound) {
    Status s = catalogue.status();
    if (s.code() == StatusCode::kMalformed) {
      return Status::Malformed(s.message() + "." + RepairHint(data_dir));
    }
    return s;
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir, ec)) {
    std::optional<uint32_t> i = ShardIndex(entry.path().filename().string());
    if (i && entry.is_directory(ec)) out.shard_dirs.insert(*i);
  }
  if (ec) return Status::IoError("cannot list " + data_dir + ": " + ec.message());
  return out;
}

Result<DataDirPlan> PlanDataDir(const std::string& data_dir, const DataDirContents& c,
                                uint32_t shards) {
  DataDirPlan plan;
  plan.create_shard.assign(shards, false);
  if (!c.format_shards) {
    if (!c.catalogue && c.shard_dirs.empty()) {
      plan.initialise = true;
      plan.create_shard.assign(shards, true);
      return plan;
    }
    std::string found = c.catalogue ? "a catalogue" : "";
    for (uint32_t i : c.shard_dirs) {
      found += (found.empty() ? "shard-" : ", shard-") + std::to_string(i);
    }
    return Status::Malformed(data_dir + " has " + found +
                             " but no FORMAT file: it was lost, or this is not a forkv data "
                             "directory. Starting would place keys on the wrong shards." +
                             RepairHint(data_dir));
  }
  if (*c.format_shards != shards) {
    return Status::InvalidArgument(
        data_dir + " was created with --db-workers " + std::to_string(*c.format_shards) +
        "; starting with --db-workers " + std::to_string(shards) +
        " would misplace keys (re-sharding is not supported yet). Start with --db-workers " +
        std::to_string(*c.format_shards) + ".");
  }
  if (!c.catalogue) {
    return Status::Malformed(CataloguePath(data_dir) +
                             " is missing: without it forkv would forget every store." +
                             RepairHint(data_dir));
  }
  for (uint32_t i : c.shard_dirs) {
    if (i >= shards) {
      return Status::Malformed(ShardDir(data_dir, i) + " is not one of the " +
                               std::to_string(shards) +
                               " shards FORMAT names: it holds keys this start would not see. "
                               "Move it away if it does not belong here.");
    }
  }
  if (c.initialising || c.catalogue->empty()) {
    plan.initialising = c.initialising;
    // No store yet, so no key to lose: any shard may be (re)created, e.g.
    // after a first start stopped before every worker had created its shard.
    plan.create_shard.assign(shards, true);
    return plan;
  }
  for (uint32_t i = 0; i < shards; ++i) {
    if (c.shard_dirs.count(i) != 0) continue;
    return Status::Malformed(ShardDir(data_dir, i) + " is missing while the catalogue names " +
                             std::to_string(c.catalogue->stores.size()) +
                             " store(s): the keys it held are gone." + RepairHint(data_dir));
  }
  return plan;
}

}  // namespace forkv
