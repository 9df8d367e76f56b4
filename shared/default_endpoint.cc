// DefaultManagerEndpoint() (declared in shared/runtime.h): part of the wire
// layer, because the client library finds the manager the same way.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "shared/runtime.h"

namespace forkv {

std::vector<std::string> ManagerSocketPaths() {
  std::vector<std::string> paths;
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && *xdg != '\0') paths.push_back(std::string(xdg) + "/forkv/manager.sock");
  paths.push_back("/tmp/forkv-" + std::to_string(getuid()) + "/manager.sock");
  paths.push_back(kSystemManagerSocket);
  return paths;
}

std::string ChooseManagerEndpoint(const std::vector<std::string>& paths,
                                  const std::function<bool(const std::string&)>& exists) {
  if (paths.empty()) return "";
  for (const std::string& p : paths) {
    if (exists(p)) return "ipc://" + p;
  }
  return "ipc://" + paths.front();
}

std::string DefaultManagerEndpoint(bool use_env) {
  std::vector<std::string> paths = ManagerSocketPaths();
  if (!use_env) return "ipc://" + paths.front();
  const char* env = std::getenv("FORKV_SOCKET");
  if (env != nullptr && *env != '\0') return env;
  return ChooseManagerEndpoint(paths, [](const std::string& p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
  });
}

}  // namespace forkv
