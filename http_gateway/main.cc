// forkv-http: the HTTP gateway. Started and supervised by forkv-manager
// (--http HOST:PORT); can also run by hand against a running manager:
//   forkv-http --listen 127.0.0.1:8080 --manager ipc:///tmp/forkv-1000/manager.sock
#include <CLI/CLI.hpp>

#include "http_gateway/gateway_loop.h"
#include "shared/proc.h"
#include "shared/runtime.h"
#include "shared/version.h"

int main(int argc, char** argv) {
  forkv::http::GatewayLoopOptions o;
  o.server.manager = forkv::DefaultManagerEndpoint(true);
  int64_t timeout_ms = o.server.upstream_timeout.count();
  CLI::App app{"forkv-http: REST API, metrics and status page for forkv"};
  app.set_version_flag("--version", std::string("forkv-http ") + forkv::kForkvVersion);
  app.add_option("--listen", o.server.listen, "HOST:PORT to serve HTTP on")->capture_default_str();
  app.add_option("--manager", o.server.manager, "the manager's client endpoint")
      ->capture_default_str();
  app.add_option("--threads", o.server.threads,
                 "upstream workers (requests at the manager at once)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--upstream-timeout-ms", timeout_ms,
                 "answer 504 when the manager does not answer within this")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  std::string upstream = "direct";
  app.add_option("--upstream", upstream,
                 "direct: key operations go to the stores' own sockets (stores a worker thread "
                 "uses often); manager: everything through the manager")
      ->capture_default_str()
      ->check(CLI::IsMember({"direct", "manager"}));
  app.add_option("--max-connections", o.server.max_connections,
                 "open connections at most; more get 503 and are closed")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  int64_t header_ms = o.server.header_timeout.count(), idle_ms = o.server.idle_timeout.count();
  app.add_option("--header-timeout-ms", header_ms,
                 "a connection's first request header must arrive within this")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000));
  app.add_option("--idle-timeout-ms", idle_ms, "an idle keep-alive connection is closed after this")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000));
  app.add_option("--backend", o.backend, "manager backend endpoint (when supervised)");
  app.add_option("--gen", o.gen, "incarnation number (when supervised)");
  app.add_option("--parent-pid", o.parent_pid, "the manager's pid (when supervised)");
  app.add_option("--log-level", o.log_level, "log level")->capture_default_str();
  try {
    app.parse(argc, argv);
    o.server.direct = upstream == "direct";
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : forkv::kExitUsage;
  }
  o.server.upstream_timeout = std::chrono::milliseconds(timeout_ms);
  o.server.header_timeout = std::chrono::milliseconds(header_ms);
  o.server.idle_timeout = std::chrono::milliseconds(idle_ms);
  return forkv::http::RunGateway(o);
}
