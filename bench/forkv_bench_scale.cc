// forkv-bench-scale: the virtual-stores-at-scale figures (bench/scale.h).
// `make bench-scale` runs it after a release build; a few minutes.
//
//   forkv-bench-scale [--phases create,idle,names,zipf] [--clients N]
//                     [--create-stores N] [--settle SEC] [--idle-seconds SEC]
//                     [--names N] [--first-requests N]
//                     [--zipf-stores N] [--zipf-live N] [--zipf-seconds SEC] [--zipf-s S]
//
// Exit codes: 0 every phase ran without a failed request; 1 some requests
// failed; 100 usage; 111 a private manager could not be started.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <sstream>

#include "bench/scale.h"
#include "shared/proc.h"

int main(int argc, char** argv) {
  forkv::bench::ScaleOptions o;
  o.manager_exe = forkv::SiblingBinary("forkv-manager");
  std::string phases = "create,idle,names,zipf";
  CLI::App app{
      "forkv-bench-scale: figures of many stores (issue 14), each phase against a "
      "private forkv-manager (the one beside this binary)."};
  app.add_option("--phases", phases, "comma-separated: create, idle, names, zipf")
      ->capture_default_str();
  app.add_option("--clients", o.clients, "concurrent clients (create, zipf)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--create-stores", o.create_stores, "stores created (create, idle)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--settle", o.settle_seconds, "seconds before the idle measurement")
      ->capture_default_str()
      ->check(CLI::Range(0, 600));
  app.add_option("--idle-seconds", o.idle_seconds, "idle CPU window")
      ->capture_default_str()
      ->check(CLI::Range(1, 600));
  app.add_option("--names", o.names, "names in the catalogue (names)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  app.add_option("--first-requests", o.first_requests, "gets of never-activated stores (names)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--zipf-stores", o.zipf_stores, "stores in the catalogue (zipf)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  app.add_option("--zipf-live", o.zipf_live, "--max-live-stores of the zipf manager")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--zipf-seconds", o.zipf_seconds, "length of the zipf run")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--zipf-s", o.zipf_s, "zipf exponent (0 = uniform)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 5.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 100;
  }
  o.phases.clear();
  std::stringstream in(phases);
  for (std::string p; std::getline(in, p, ',');) {
    if (p != "create" && p != "idle" && p != "names" && p != "zipf") {
      std::fprintf(stderr, "forkv-bench-scale: unknown phase '%s' (create, idle, names, zipf)\n",
                   p.c_str());
      return 100;
    }
    o.phases.insert(p);
  }
  std::vector<forkv::bench::ScaleFigure> figures;
  int rc = forkv::bench::RunScale(o, &figures);
  std::printf("| phase | figure | value |\n|---|---|---|\n");
  for (const auto& f : figures) {
    std::printf("| %s | %s | %s |\n", f.phase.c_str(), f.name.c_str(), f.value.c_str());
  }
  return rc;
}
