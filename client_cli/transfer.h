// `forkv export STORE` and `forkv import STORE [FILE]`: a store's keys and
// values to and from the export format (client_cli/export_format.h), in
// bounded memory whatever the store holds.
//
// export: pages of `scan` (1000 pairs, about 4 MiB at most each) written
//   as they come, the header first and the trailer last; a failure midway
//   leaves no trailer, so the output reads as cut short. Each page is read
//   at once; it is not a snapshot of the whole store while others write
//   (a consistent copy of everything is `forkv backup`).
// import: the records as puts, pipelined (batches of up to 1024 records or
//   8 MiB, 256 in flight), creating the store when missing, overwriting the
//   keys it names and leaving the others. A regular file is read through
//   once before anything is sent: a malformed one changes nothing. From a
//   pipe, each batch is checked before it is sent; a bad line stops the
//   import and the error says how many keys were imported before it.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace forkv::cli {

struct TransferOptions {
  std::string endpoint;
  std::chrono::milliseconds timeout{5000};
  int attempts = 1;
  std::string store;
  std::string prefix;  // export --prefix
  bool json = false;   // import's summary as JSON
};

// Returns the exit code; writes the export to `out`, errors to `err`.
int RunExport(const TransferOptions& options, FILE* out, FILE* err);
// Reads `in` (named `in_name` in messages); the summary goes to `out`.
int RunImport(const TransferOptions& options, FILE* in, const std::string& in_name, FILE* out,
              FILE* err);

}  // namespace forkv::cli
