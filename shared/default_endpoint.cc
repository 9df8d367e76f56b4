// DefaultManagerEndpoint() (declared in shared/runtime.h): part of the wire
// layer, because the client library finds the manager the same way.
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "shared/runtime.h"

namespace forkv {

std::string DefaultManagerEndpoint(bool use_env) {
  if (use_env) {
    const char* env = std::getenv("FORKV_SOCKET");
    if (env != nullptr && *env != '\0') return env;
  }
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && *xdg != '\0') return std::string("ipc://") + xdg + "/forkv/manager.sock";
  return "ipc:///tmp/forkv-" + std::to_string(getuid()) + "/manager.sock";
}

}  // namespace forkv
