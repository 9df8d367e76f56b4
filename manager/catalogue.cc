#include "manager/catalogue.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "shared/names.h"

namespace forkv {
namespace {

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

Result<std::string> ReadFile(const std::string& path) {
  if (access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
    return Status::NotFound(path + " does not exist");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path);
  return ss.str();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, const std::string& contents) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("open " + tmp);
  size_t off = 0;
  while (off < contents.size()) {
    ssize_t n = write(fd, contents.data() + off, contents.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Errno("write " + tmp);
      close(fd);
      return s;
    }
    off += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    Status s = Errno("fsync " + tmp);
    close(fd);
    return s;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) return Errno("rename " + tmp);
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno("open " + dir);
  int rc = fsync(dfd);
  close(dfd);
  if (rc != 0) return Errno("fsync " + dir);
  return Status::Ok();
}

Status CheckOrInitDataFormat(const std::string& data_dir, uint32_t shards) {
  std::string path = data_dir + "/FORMAT";
  auto contents = ReadFile(path);
  if (!contents.ok() && contents.status().code() != StatusCode::kNotFound) return contents.status();
  if (!contents.ok()) {
    std::string text = "forkv-data " + std::to_string(kDataFormatVersion) + "\nshards " +
                       std::to_string(shards) + "\n";
    return WriteFileAtomically(path, text);
  }
  std::istringstream in(*contents);
  std::string magic, shards_word;
  int version = 0;
  uint32_t recorded = 0;
  if (!(in >> magic >> version >> shards_word >> recorded) || magic != "forkv-data" ||
      shards_word != "shards") {
    return Status::Malformed(path + " is not a forkv FORMAT file");
  }
  if (version != kDataFormatVersion) {
    return Status::InvalidArgument(data_dir + " has data format " + std::to_string(version) +
                                   "; this forkv reads format " +
                                   std::to_string(kDataFormatVersion));
  }
  if (recorded != shards) {
    return Status::InvalidArgument(
        data_dir + " was created with --db-workers " + std::to_string(recorded) +
        "; starting with --db-workers " + std::to_string(shards) +
        " would misplace keys (re-sharding is not supported yet). Start with --db-workers " +
        std::to_string(recorded) + ".");
  }
  return Status::Ok();
}

Result<std::set<std::string>> LoadCatalogue(const std::string& data_dir) {
  std::string path = data_dir + "/catalogue";
  auto contents = ReadFile(path);
  std::set<std::string> names;
  if (!contents.ok() && contents.status().code() == StatusCode::kNotFound) return names;
  if (!contents.ok()) return contents.status();
  std::istringstream in(*contents);
  std::string line;
  if (!std::getline(in, line) || line != "forkv-catalogue 1") {
    return Status::Malformed(path + ": missing 'forkv-catalogue 1' header");
  }
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (Status s = ValidateStoreName(line); !s.ok()) {
      return Status::Malformed(path + ": bad store name: " + s.message());
    }
    names.insert(line);
  }
  return names;
}

Status SaveCatalogue(const std::string& data_dir, const std::set<std::string>& names) {
  std::string text = "forkv-catalogue 1\n";
  for (const auto& n : names) text += n + "\n";
  return WriteFileAtomically(data_dir + "/catalogue", text);
}

}  // namespace forkv
