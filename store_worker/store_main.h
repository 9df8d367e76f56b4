// forkv-store's command line: parses the arguments the manager gives a
// store (manager/spawn_specs.cc) and runs it. Called by main() after exec,
// and in-process by the spawn server (store_worker/spawn_server.h) in each
// store it forks.
#pragma once

#include <string>
#include <vector>

namespace forkv {

struct StoreProcess;

// "a,b,,c" -> {"a", "b", "c"}: the --db argument.
std::vector<std::string> SplitEndpointList(const std::string& list);

// argv[0] is the program name. Returns the process's exit code.
// `prepared`: a spare's process, set up already (its log level and parent
// are the spawn server's: the manager gives every store the same).
int StoreMain(int argc, char** argv, StoreProcess* prepared = nullptr);

}  // namespace forkv
