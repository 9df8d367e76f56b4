// The `forkv` command line: parsing (CLI11) into an Invocation, then one
// request to the manager through Connection, then format.h's rendering.
//
//   forkv [--socket ENDPOINT] [--timeout MS] [--retries N] [--json] COMMAND ...
//
// Global options may also follow the command (`forkv get s k --json`).
// Each command maps to exactly one protocol Op (shared/protocol.h).
// Usage errors (exit 2) print CLI11's message on stderr; with --json they
// also print {"ok":false,"code":"usage","message":...} on stdout.
// `wait` retries while nothing listens at the endpoint (a manager still
// starting), until --wait-timeout; each attempt gets the wait time plus
// --timeout for the round trip.
// `drop STORE` asks "[y/N]" on stderr when stdin is a terminal; otherwise
// it needs --yes (exit 2 without), so a script never drops by accident.
// A mistyped command gets "did you mean" (client_cli/suggest.h).
// `export STORE [--prefix P]` writes the store's keys and values to stdout
// in the export format; `import STORE [FILE]` reads one (client_cli/transfer.h).
// `stores [STORE] [--limit N] [--after NAME] [--state STATE] [--all]` asks for
// one page (1000 stores by default); without --all a page that is not the
// last ends with "-- more: forkv stores --after NAME" on stderr, and --all
// asks for the following pages itself, printing each as it comes.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "client_cli/format.h"
#include "shared/protocol.h"

namespace forkv::cli {

inline constexpr std::chrono::milliseconds kDefaultTimeout{5000};
inline constexpr std::chrono::milliseconds kDefaultWaitTimeout{30000};

// A parsed command line.
struct Invocation {
  std::string endpoint;  // --socket, else DefaultManagerEndpoint(true)
  std::chrono::milliseconds timeout = kDefaultTimeout;
  int retries = 0;  // extra attempts after a timeout (Lazy Pirate)
  bool json = false;
  Request request;                // id left 0: Connection assigns it
  bool value_from_stdin = false;  // put VALUE was "-"
  bool all_pages = false;         // stores --all: follow next_after to the end
  bool yes = false;               // drop --yes: do not ask
  bool null_terminated = false;   // keys -0: NUL after each key
  // export / import (client_cli/transfer.h): not one request but a stream.
  enum class Transfer { kNone, kExport, kImport } transfer = Transfer::kNone;
  std::string import_file = "-";  // import FILE; "-" = stdin
};

struct ParseOutcome {
  // Set when the command should run; otherwise `output` holds the help text
  // (exit 0) or the usage error (exit 2).
  std::optional<Invocation> invocation;
  Output output;
};

// Parses argv (argv[0] is the program name). Does no I/O besides reading
// FORKV_SOCKET / XDG_RUNTIME_DIR for the default endpoint.
ParseOutcome ParseCommandLine(int argc, const char* const* argv);

// The whole command: parse, read stdin for `put ... -`, validate locally,
// call the manager, print. Returns the process exit code.
int Run(int argc, const char* const* argv);

}  // namespace forkv::cli
