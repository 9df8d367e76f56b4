// CHECK(): for broken invariants only (never for bad input). Logs file, line
// and errno, then aborts; the supervisor restarts the process.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#define FORKV_CHECK(cond)                                                                 \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      int forkv_saved_errno = errno;                                                      \
      std::fprintf(stderr, "CHECK failed: %s at %s:%d (errno %d: %s)\n", #cond, __FILE__, \
                   __LINE__, forkv_saved_errno, std::strerror(forkv_saved_errno));        \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
