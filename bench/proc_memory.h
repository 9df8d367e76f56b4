// Memory of a process as the kernel accounts it: the totals of
// /proc/PID/smaps_rollup (Linux >= 4.14), in KiB.
//
//   rss      resident pages mapped by the process
//   pss      proportional set size: each resident page divided by the number
//            of processes mapping it, so summing pss over processes counts
//            every page once (shared libraries of 1000 stores cost each
//            store 1/1000 of their pages)
//   private  private_clean + private_dirty: pages only this process maps,
//            what killing it would free
//   anonymous  heap, stacks and other anonymous pages (shared ones included)
//
// ParseSmapsRollup is pure; ReadMemoryUsage reads the file (same user or
// CAP_SYS_PTRACE needed).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>

#include "shared/status.h"

namespace forkv::bench {

struct MemoryUsage {
  uint64_t rss_kib = 0;
  uint64_t pss_kib = 0;
  uint64_t shared_clean_kib = 0;
  uint64_t shared_dirty_kib = 0;
  uint64_t private_clean_kib = 0;
  uint64_t private_dirty_kib = 0;
  uint64_t anonymous_kib = 0;  // anonymous pages: heap, stacks
  uint64_t swap_kib = 0;

  uint64_t PrivateKib() const { return private_clean_kib + private_dirty_kib; }
  MemoryUsage& operator+=(const MemoryUsage& o);
};

// Malformed when the text has no "Rss:" or no "Pss:" line.
Result<MemoryUsage> ParseSmapsRollup(std::string_view text);

// NotFound when the process is gone.
Result<MemoryUsage> ReadMemoryUsage(pid_t pid);

}  // namespace forkv::bench
