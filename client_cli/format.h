// What the `forkv` command prints: pure functions from a request and the
// outcome of its call (a Reply or a transport Status) to stdout text, stderr
// text and an exit code. No sockets, no globals, no I/O; commands.cc does the
// I/O and tests/unit/cli_format_test.cc checks these directly.
//
// Exit codes (also printed in `forkv --help`):
//   0  ok
//   1  not found (key or store absent)
//   2  usage error (bad command line)
//   3  cannot reach the manager, timed out, or store unavailable
//      (kTimeout, kUnavailable)
//   4  request rejected (kInvalidArgument, kTooLarge, kMalformed, kUnknownOp,
//      kVersionMismatch), including local validation of store names and sizes
//   5  server error (kIoError, kInternal), or a reply the client cannot read
//
// Output conventions (human mode):
//   get    the raw value bytes; a trailing newline is added only when stdout
//          is a terminal, so `$(forkv get s k)` and pipes see the exact bytes.
//   keys   one key per line, raw bytes; with -0 each key ends in a NUL byte
//          instead (for keys holding newlines: `forkv keys s -0 | xargs -0`).
//   errors go to stderr as "forkv: <code name>: <message>".
// JSON mode (--json): exactly one JSON object and a newline on stdout, for
// errors too ({"ok":false,"code":"not_found","message":"..."}); nothing on
// stderr. Byte strings (values, keys) appear as "<field>" when they are valid
// UTF-8 and as "<field>_base64" otherwise; `keys` is a list of objects,
// each {"key": ...} or {"key_base64": ...}.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client_cli/json_bytes.h"
#include "shared/protocol.h"
#include "shared/status.h"

namespace forkv::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitNotFound = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;
inline constexpr int kExitRejected = 4;
inline constexpr int kExitServerError = 5;
inline constexpr int kExitConditionFailed = 6;

// The exit-code table above, for `forkv --help`.
std::string ExitCodeHelp();

// Maps a status code to the process exit code (table above).
int ExitCodeFor(StatusCode code);

// "850ms", "42s", "3m12s", "2h5m", "3d4h".
std::string FormatDuration(uint64_t ms);
// fsync latencies: "850us", "1.2ms", "2.50s".
std::string FormatMicros(uint64_t us);

// Accepts "9", "KILL", "SIGKILL", "kill" (any case). Returns InvalidArgument
// for unknown names and numbers outside 1..64.
Result<int> ParseSignal(std::string_view text);

// Human renderings of decoded reply bodies. They never fail: missing or
// mistyped fields print as "-" (tables) or are left out (tree, ping).
std::string RenderPing(const nlohmann::json& body);
// One page of `stores`: the stores' table, then the database workers'.
std::string RenderStoresTable(const nlohmann::json& body);
// The tree; the stores' supervisor shows its counts by state
// ("1000000 stores: 3 running, 999997 hibernating") and its listed live
// stores, then how many more live stores it left out.
std::string RenderStatusTree(const nlohmann::json& body);
// After a page that is not the last, on stderr: how to ask for the next
// one ("-- more: forkv stores --after NAME", with the request's --state and
// a --limit other than the default).
std::string MoreStoresHint(const Request& request, const std::string& next_after);

struct RenderOptions {
  bool json = false;
  bool tty = false;              // stdout is a terminal (get's trailing newline)
  bool null_terminated = false;  // keys -0: each key ends in NUL, not newline
};

struct Output {
  std::string out;  // for stdout
  std::string err;  // for stderr
  int exit_code = kExitOk;
};

// A failed command: "forkv: <code>: <message>" on stderr, or the JSON error
// object on stdout; the exit code from ExitCodeFor().
Output RenderError(const Status& status, const RenderOptions& opts);

// `forkv stores --all`: each page's output as it arrives, so that memory is
// one page whatever the catalogue holds. Human mode: one table (the header
// once, columns widening as needed), the database workers after the last
// page. JSON mode: one object, {"stores": [...every page's...],
// "db_workers": [...], "total": N, "next_after": null, "ok": true}, written
// page by page, so "ok" comes last; a page that fails after the first ends
// it with "ok": false, "code" and "message" (and the exit code says so).
class AllStoresRenderer {
 public:
  explicit AllStoresRenderer(RenderOptions opts) : opts_(opts) {}
  struct Step {
    Output output;                          // print it at once
    std::optional<std::string> next_after;  // ask for the page after this name; nullopt: done
  };
  Step Page(const Result<Reply>& outcome);

 private:
  Step Fail(const Status& status);
  RenderOptions opts_;
  bool started_ = false;  // a page was printed
  bool any_store_ = false;
  std::vector<size_t> widths_;
};

// What `forkv <request.op>` prints, given the outcome of its call:
// a transport error (Timeout, Unavailable...), an error reply, or success.
Output RenderOutcome(const Request& request, const Result<Reply>& outcome,
                     const RenderOptions& opts);

}  // namespace forkv::cli
