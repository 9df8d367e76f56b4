// The README's example: put, get, del through the installed libforkv.
// Build: c++ -std=c++17 hello.cc $(pkg-config --cflags --libs forkv)
// Run:   ./hello            (the default endpoint, as the `forkv` command finds it)
//        FORKV_SOCKET=ipc:///run/forkv/manager.sock ./hello
#include <forkv/client.h>

#include <cstdio>
#include <string>

int main() {
  forkv::Client c;                                   // default endpoint, as the CLI finds it
  forkv::Client d("ipc:///run/forkv/manager.sock");  // or a given one (connects on first use)
  std::printf("default endpoint %s; the service's %s\n", c.options().endpoint.c_str(),
              d.options().endpoint.c_str());
  forkv::Status s = c.Put("users", "alice", "42");
  if (!s.ok()) {
    std::fprintf(stderr, "put: %s\n", s.ToString().c_str());
    return 1;
  }
  forkv::Result<std::string> v = c.Get("users", "alice");
  if (!v.ok()) {
    std::fprintf(stderr, "get: %s\n", v.status().ToString().c_str());
    return 1;
  }
  std::printf("alice = %s\n", v->c_str());
  if (forkv::Status d = c.Del("users", "alice"); !d.ok()) {
    std::fprintf(stderr, "del: %s\n", d.ToString().c_str());
    return 1;
  }
  forkv::Result<std::string> gone = c.Get("users", "alice");
  std::printf("after del: %s\n", gone.ok() ? "still there" : gone.status().ToString().c_str());
  return gone.status().IsNotFound() ? 0 : 1;
}
