#include "db_worker/storage_writer.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "shared/check.h"

namespace forkv {

StorageWriter::StorageWriter() : done_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  FORKV_CHECK(done_.valid());
  thread_ = std::thread([this] { Loop(); });
}

StorageWriter::~StorageWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void StorageWriter::Start(Job job) {
  FORKV_CHECK(!busy_);
  busy_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = std::move(job);
  }
  cv_.notify_one();
}

std::optional<Status> StorageWriter::TakeResult() {
  std::optional<Status> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!result_) return std::nullopt;
    out = std::move(result_);
    result_.reset();
  }
  uint64_t n = 0;
  while (read(done_.get(), &n, sizeof n) < 0 && errno == EINTR) {
  }
  busy_ = false;
  return out;
}

void StorageWriter::Loop() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || job_ != nullptr; });
      if (job_ == nullptr) return;  // stop, nothing left to run
      job = std::move(job_);
      job_ = nullptr;
    }
    Status s = job();
    {
      std::lock_guard<std::mutex> lock(mu_);
      result_ = std::move(s);
    }
    uint64_t one = 1;
    while (write(done_.get(), &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace forkv
