#include "client_cli/commands.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "client_cli/suggest.h"
#include "client_cli/transfer.h"
#include "clients/cpp/connection.h"
#include "shared/names.h"
#include "shared/runtime.h"
#include "shared/version.h"

namespace forkv::cli {
namespace {

using std::chrono::milliseconds;

const std::map<std::string, Op>& CommandOps() {
  static const std::map<std::string, Op> kOps = {
      {"ping", Op::kPing},     {"put", Op::kPut},         {"get", Op::kGet},
      {"del", Op::kDel},       {"keys", Op::kKeys},       {"count", Op::kCount},
      {"stores", Op::kStores}, {"create", Op::kCreate},   {"drop", Op::kDrop},
      {"status", Op::kStatus}, {"restart", Op::kRestart}, {"kill", Op::kKill},
      {"wait", Op::kWait},     {"locate", Op::kLocate},   {"export", Op::kScan},
      {"import", Op::kPut},    {"backup", Op::kBackup},   {"rename", Op::kRename},
      {"incr", Op::kIncr},     {"expire", Op::kExpire},
  };
  return kOps;
}

// The command word of argv (its first argument that is neither a global
// option nor an option's value), when it names no command: "unknown command
// 'gte'; did you mean 'get'?".
std::optional<std::string> UnknownCommandMessage(int argc, const char* const* argv) {
  static const std::vector<std::string> kTakesValue = {"--socket", "--timeout", "--retries"};
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") return std::nullopt;
    if (std::find(kTakesValue.begin(), kTakesValue.end(), a) != kTakesValue.end()) {
      ++i;
      continue;
    }
    if (a.empty() || a[0] == '-') continue;
    if (CommandOps().count(std::string(a)) != 0) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& [name, op] : CommandOps()) names.push_back(name);
    std::string msg = "unknown command '" + std::string(a) + "'";
    if (auto near = ClosestName(a, names)) return msg + "; did you mean '" + *near + "'?";
    std::string all;
    for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
    return msg + "; the commands are " + all;
  }
  return std::nullopt;
}

Output UsageError(const std::string& message, bool json) {
  Output o;
  o.exit_code = kExitUsage;
  o.err = "forkv: " + message + "\n";
  if (json) {
    o.out = DumpJson({{"ok", false}, {"code", "usage"}, {"message", message}}) + "\n";
  }
  return o;
}

void WriteAll(FILE* f, const std::string& s) {
  if (!s.empty()) std::fwrite(s.data(), 1, s.size(), f);
  std::fflush(f);
}

// Reads all of stdin, binary-safe; TooLarge past the value limit.
Result<std::string> ReadStdin() {
  std::string data;
  char buf[65536];
  while (true) {
    size_t n = std::fread(buf, 1, sizeof buf, stdin);
    data.append(buf, n);
    if (data.size() > kMaxValueBytes) {
      return Status::TooLarge("value on stdin exceeds " + std::to_string(kMaxValueBytes) +
                              " bytes");
    }
    if (n < sizeof buf) {
      if (std::ferror(stdin))
        return Status::IoError(std::string("reading stdin: ") + std::strerror(errno));
      return data;
    }
  }
}

// `wait` also covers a manager that is still starting: while nothing listens
// at the endpoint, retry until the wait deadline.
Result<Reply> CallWait(Connection& client, const Invocation& inv) {
  using Clock = std::chrono::steady_clock;
  const auto wait_deadline = Clock::now() + milliseconds(inv.request.arg);
  while (true) {
    auto remaining = std::chrono::duration_cast<milliseconds>(wait_deadline - Clock::now());
    Request r = inv.request;
    r.arg = static_cast<uint64_t>(std::max<int64_t>(remaining.count(), 0));
    auto reply = client.Call(r, milliseconds(r.arg) + inv.timeout);
    if (reply.ok() || reply.status().code() != StatusCode::kUnavailable ||
        Clock::now() + milliseconds(100) >= wait_deadline) {
      return reply;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
}

// `stores --all`: asks for page after page, printing each as it comes, so
// memory stays one page whatever the catalogue holds.
int CallAllStores(Connection& client, const Invocation& inv, const RenderOptions& opts) {
  AllStoresRenderer renderer(opts);
  Request r = inv.request;
  while (true) {
    auto reply = client.CallWithRetries(r, inv.timeout, inv.retries + 1);
    AllStoresRenderer::Step step = renderer.Page(reply);
    WriteAll(stdout, step.output.out);
    WriteAll(stderr, step.output.err);
    if (!step.next_after) return step.output.exit_code;
    r.key = std::move(*step.next_after);
  }
}

int RunTransfer(const Invocation& inv, const RenderOptions& opts) {
  if (Status s = ValidateStoreName(inv.request.store); !s.ok()) {
    Output e = RenderError(s, opts);
    WriteAll(stdout, e.out);
    WriteAll(stderr, e.err);
    return e.exit_code;
  }
  TransferOptions t{.endpoint = inv.endpoint,
                    .timeout = inv.timeout,
                    .attempts = inv.retries + 1,
                    .store = inv.request.store,
                    .prefix = inv.request.key,
                    .json = inv.json};
  if (inv.transfer == Invocation::Transfer::kExport) return RunExport(t, stdout, stderr);
  if (inv.import_file == "-") return RunImport(t, stdin, "stdin", stdout, stderr);
  FILE* in = std::fopen(inv.import_file.c_str(), "rb");
  if (in == nullptr) {
    Output e = RenderError(
        Status::NotFound("cannot open " + inv.import_file + ": " + std::strerror(errno)), opts);
    WriteAll(stdout, e.out);
    WriteAll(stderr, e.err);
    return e.exit_code;
  }
  int rc = RunImport(t, in, inv.import_file, stdout, stderr);
  std::fclose(in);
  return rc;
}

}  // namespace

ParseOutcome ParseCommandLine(int argc, const char* const* argv) {
  bool json_requested = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) break;
    if (std::strcmp(argv[i], "--json") == 0) json_requested = true;
  }

  Invocation inv;
  std::string endpoint;
  int64_t timeout_ms = kDefaultTimeout.count();
  int64_t wait_ms = kDefaultWaitTimeout.count();
  std::string store, key, value, prefix, signal_text = "KILL";
  uint64_t limit = 0;
  uint64_t stores_limit = kDefaultStoresLimit;
  std::string after, state;
  bool wait_up = false;

  CLI::App app{"forkv: command-line client of the forkv key-value service.", "forkv"};
  app.set_version_flag("--version", std::string("forkv ") + forkv::kForkvVersion);
  app.footer(
      ExitCodeHelp() +
      "\n\nThe default endpoint is $FORKV_SOCKET, else the first socket that exists of\n"
      "$XDG_RUNTIME_DIR/forkv/manager.sock, /tmp/forkv-$UID/manager.sock and\n"
      "/run/forkv/manager.sock (the installed service).\n"
      "`get` prints the raw value, with a trailing newline only when stdout is a "
      "terminal.\n--json prints one JSON object on stdout, errors included; byte strings "
      "that are not\nvalid UTF-8 appear base64-encoded as \"<field>_base64\".\n"
      "A STORE, KEY or VALUE starting with '-' goes after \"--\": forkv put s -- -key -value.");
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--socket", endpoint, "manager endpoint, e.g. ipc:///run/forkv/manager.sock");
  app.add_option("--timeout", timeout_ms, "per-request timeout in ms (default 5000)")
      ->check(CLI::Range(int64_t{1}, int64_t{24} * 3600 * 1000));
  app.add_option("--retries", inv.retries, "resend after a timeout up to N times (default 0)")
      ->check(CLI::Range(0, 100));
  app.add_flag("--json", inv.json, "print one JSON object on stdout");

  auto add = [&](const char* name, const char* help) { return app.add_subcommand(name, help); };
  auto add_store = [&](CLI::App* cmd) {
    cmd->add_option("STORE", store, "store name")->required();
  };
  auto add_key = [&](CLI::App* cmd) { cmd->add_option("KEY", key, "key")->required(); };

  CLI::App* put = add("put", "set KEY to VALUE (creates the store if missing)");
  add_store(put);
  add_key(put);
  put->add_option("VALUE", value, "value; \"-\" reads it from stdin (binary-safe)")->required();
  bool no_create = false;
  put->add_flag("--no-create", no_create, "fail (exit 1) if STORE does not exist yet");
  std::optional<uint64_t> put_if_version, del_if_version;
  bool if_absent = false;
  put->add_option("--if-version", put_if_version,
                  "only if KEY is at version V (exit 6 otherwise: nothing applied)")
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX));
  put->add_flag("--if-absent", if_absent, "only if KEY does not exist (exit 6 otherwise)")
      ->excludes("--if-version");
  std::string ttl_text;
  put->add_option("--ttl", ttl_text, "KEY expires after this long: 30s, 1500ms, 5m, 2h, 7d");
  CLI::App* expire = add("expire", "set KEY's time to live (0: it never expires)");
  add_store(expire);
  add_key(expire);
  std::string expire_text;
  expire->add_option("TTL", expire_text, "30s, 1500ms, 5m, 2h, 7d; 0 = no expiry")->required();
  CLI::App* get = add("get", "print the value of KEY (exit 1 when absent)");
  add_store(get);
  add_key(get);
  bool with_version = false;
  get->add_flag("--version", with_version, "print KEY's version on a line before the value");
  CLI::App* del = add("del", "delete KEY (exit 1 when absent)");
  add_store(del);
  add_key(del);
  del->add_option("--if-version", del_if_version,
                  "only if KEY is at version V (exit 6 otherwise: nothing applied)")
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX));
  CLI::App* incr = add("incr", "add BY (default 1) to the counter KEY, print the result");
  add_store(incr);
  add_key(incr);
  std::string incr_by;
  incr->add_option("BY", incr_by, "a signed 64-bit integer (a missing KEY counts as 0)");
  incr->add_flag("--no-create", no_create, "fail (exit 1) if STORE does not exist yet");
  CLI::App* keys = add("keys", "list keys, sorted, one per line");
  add_store(keys);
  keys->add_option("--prefix", prefix, "only keys starting with P");
  keys->add_option("--limit", limit, "at most N keys (0 = all)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 32));
  keys->add_flag("-0,--null", inv.null_terminated,
                 "end each key with a NUL byte instead of a newline (keys with newlines)");
  std::string keys_after;
  keys->add_option("--after", keys_after,
                   "only keys that sort after KEY (the next page: the last key printed)");
  add_store(add("count", "number of keys in STORE"));
  CLI::App* stores = add("stores", "list stores (one page, in name order) and database workers");
  stores->add_option("STORE", store, "only this store");
  stores
      ->add_option("--limit", stores_limit,
                   "at most N stores per page (default " + std::to_string(kDefaultStoresLimit) +
                       ", at most " + std::to_string(kMaxStoresLimit) + ")")
      ->check(CLI::Range(uint64_t{1}, kMaxStoresLimit));
  stores->add_option("--after", after, "only stores whose name sorts after NAME");
  stores->add_option("--state", state, "only stores in STATE: " + StoreStateList())
      ->check(CLI::Validator(
          [](std::string& s) {
            return IsStoreState(s) ? std::string()
                                   : "unknown state '" + s + "'; valid: " + StoreStateList();
          },
          "STATE"));
  stores->add_flag("--all", inv.all_pages, "every page, each printed as it comes");
  add_store(add("create", "create STORE"));
  CLI::App* drop = add("drop", "drop STORE and its data (asks first on a terminal)");
  add_store(drop);
  drop->add_flag("-y,--yes", inv.yes, "drop without asking (required when stdin is no terminal)");
  add("status", "show the manager and its children as a tree");
  add_store(add("restart", "restart STORE (also clears a failed store)"));
  CLI::App* kill = add("kill", "send a signal to STORE's process");
  add_store(kill);
  kill->add_option("--signal", signal_text, "signal: 9, KILL or SIGKILL (default KILL)");
  CLI::App* wait = add("wait", "return once STORE is serving");
  add_store(wait);
  wait->add_flag("--up", wait_up, "wait until the store is up (the default)");
  wait->add_option("--wait-timeout", wait_ms, "give up after MS (default 30000)")
      ->check(CLI::Range(int64_t{0}, int64_t{24} * 3600 * 1000));
  CLI::App* locate = add("locate", "print STORE's own endpoints (the direct path), once serving");
  add_store(locate);
  bool locate_create = false;
  locate->add_flag("--create", locate_create, "create STORE if it does not exist");
  add("ping", "check that the manager answers");
  std::string backup_dir;
  CLI::App* backup = add("backup", "copy every store, consistently, into a new directory DIR");
  backup->add_option("DIR", backup_dir, "a new directory (the manager writes it)")->required();
  std::string new_name;
  CLI::App* rename =
      add("rename", "rename STORE to NEW (its keys are copied, then the old ones dropped)");
  add_store(rename);
  rename->add_option("NEW", new_name, "the new name (no store may have it)")->required();
  CLI::App* export_cmd =
      add("export", "write STORE's keys and values to stdout (forkv's export format)");
  add_store(export_cmd);
  export_cmd->add_option("--prefix", prefix, "only keys starting with P");
  CLI::App* import_cmd = add("import", "put the records of an export into STORE (creates it)");
  add_store(import_cmd);
  import_cmd->add_option("FILE", inv.import_file, "an export; \"-\" or none: stdin");
  // CLI11 gives every subcommand the main footer: one line instead.
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->footer("Exit codes, the default endpoint and --json: forkv --help");
  }

  ParseOutcome result;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    int code = app.exit(e, out, err);
    if (code == 0) {
      result.output = Output{out.str(), err.str(), kExitOk};
      return result;
    }
    if (auto unknown = UnknownCommandMessage(argc, argv)) {
      result.output = UsageError(*unknown, json_requested);
      return result;
    }
    result.output = UsageError(e.what(), json_requested);
    result.output.err = err.str();
    return result;
  }

  const std::string name = app.get_subcommands().at(0)->get_name();
  Request& r = inv.request;
  r.op = CommandOps().at(name);
  r.store = store;
  if (name == "export") inv.transfer = Invocation::Transfer::kExport;
  if (name == "import") inv.transfer = Invocation::Transfer::kImport;
  switch (r.op) {
    case Op::kPut:
      r.key = key;
      inv.value_from_stdin = value == "-";
      if (!inv.value_from_stdin) r.value = value;
      r.arg = no_create ? kPutNoCreate : 0;
      if (put_if_version) r.if_version = *put_if_version;
      if (if_absent) r.if_version = 0;
      if (!ttl_text.empty()) {
        auto ttl = ParseDuration(ttl_text);
        if (!ttl.ok() || *ttl == 0) {
          result.output =
              UsageError(ttl.ok() ? "--ttl must be more than 0 (a put without --ttl never expires)"
                                  : ttl.status().message(),
                         inv.json);
          return result;
        }
        r.ttl_ms = *ttl;
      }
      break;
    case Op::kExpire: {
      r.key = key;
      auto ttl = ParseDuration(expire_text);
      if (!ttl.ok()) {
        result.output = UsageError(ttl.status().message(), inv.json);
        return result;
      }
      r.arg = *ttl;
      break;
    }
    case Op::kIncr:
      r.key = key;
      r.value = incr_by;
      r.arg = no_create ? kPutNoCreate : 0;
      break;
    case Op::kGet:
      r.key = key;
      // --json always shows the version.
      if (with_version || inv.json) r.arg = kGetVersion;
      break;
    case Op::kDel:
      r.key = key;
      if (del_if_version) r.if_version = *del_if_version;
      break;
    case Op::kKeys:
      r.key = prefix;
      r.arg = limit;
      r.value = keys_after;
      break;
    case Op::kScan:  // export
      r.key = prefix;
      break;
    case Op::kBackup: {
      // The manager writes it: a relative path is the caller's, made whole.
      std::error_code ec;
      r.value = std::filesystem::absolute(backup_dir, ec).lexically_normal().string();
      if (ec) r.value = backup_dir;
      break;
    }
    case Op::kKill: {
      auto sig = ParseSignal(signal_text);
      if (!sig.ok()) {
        result.output = UsageError(sig.status().message(), inv.json);
        return result;
      }
      r.arg = static_cast<uint64_t>(*sig);
      break;
    }
    case Op::kRename:
      r.value = new_name;
      break;
    case Op::kStores:
      r.arg = stores_limit;
      r.key = after;
      r.value = state;
      break;
    case Op::kWait:
      r.arg = static_cast<uint64_t>(wait_ms);
      break;
    case Op::kLocate:
      r.arg = locate_create ? kLocateCreate : 0;
      break;
    default:
      break;
  }
  inv.endpoint = endpoint.empty() ? DefaultManagerEndpoint(true) : endpoint;
  inv.timeout = milliseconds(timeout_ms);
  result.invocation = std::move(inv);
  return result;
}

int Run(int argc, const char* const* argv) {
  ParseOutcome parsed = ParseCommandLine(argc, argv);
  if (!parsed.invocation) {
    WriteAll(stdout, parsed.output.out);
    WriteAll(stderr, parsed.output.err);
    return parsed.output.exit_code;
  }
  Invocation& inv = *parsed.invocation;
  RenderOptions opts{
      .json = inv.json, .tty = isatty(STDOUT_FILENO) == 1, .null_terminated = inv.null_terminated};

  auto finish = [&](const Output& o) {
    WriteAll(stdout, o.out);
    WriteAll(stderr, o.err);
    return o.exit_code;
  };

  if (inv.transfer != Invocation::Transfer::kNone) return RunTransfer(inv, opts);
  if (inv.value_from_stdin) {
    auto data = ReadStdin();
    if (!data.ok()) return finish(RenderError(data.status(), opts));
    inv.request.value = std::move(*data);
  }
  // The server validates too; checking here fails fast without a round trip.
  if (Status s = ValidateRequest(inv.request); !s.ok()) return finish(RenderError(s, opts));
  if (inv.request.op == Op::kDrop && !inv.yes) {
    if (isatty(STDIN_FILENO) != 1) {
      return finish(UsageError("drop deletes every key of '" + inv.request.store +
                                   "': add --yes (stdin is not a terminal to ask on)",
                               inv.json));
    }
    std::fprintf(stderr, "Drop store '%s' and every key in it? [y/N] ", inv.request.store.c_str());
    std::fflush(stderr);
    char answer[16] = {};
    if (std::fgets(answer, sizeof answer, stdin) == nullptr ||
        (std::strcmp(answer, "y\n") != 0 && std::strcmp(answer, "yes\n") != 0)) {
      return finish(UsageError("not dropped", inv.json));
    }
  }

  zmq::context_t ctx(1);
  Result<Reply> reply = Status::Internal("not called");
  {
    Connection client(ctx, inv.endpoint);
    if (inv.request.op == Op::kStores && inv.all_pages) return CallAllStores(client, inv, opts);
    if (inv.request.op == Op::kWait) {
      reply = CallWait(client, inv);
    } else if (inv.request.op == Op::kBackup || inv.request.op == Op::kRename) {
      // Checkpoints of big shards take a while: at least the manager's own
      // backup deadline (60 s). A rename copies every key: as long as a
      // store may take to start (--start-timeout-ms, 60 s), then a drop.
      // Neither is retried (a second rename waits for the first anyway).
      reply = client.Call(
          inv.request,
          std::max(inv.timeout, milliseconds(inv.request.op == Op::kRename ? 95000 : 65000)));
    } else if (inv.request.op == Op::kIncr || inv.request.op == Op::kExpire ||
               inv.request.if_version) {
      // Not resent: a second incr would count twice, and a second
      // conditional write would fail on the first one's success.
      reply = client.Call(inv.request, inv.timeout);
    } else {
      reply = client.CallWithRetries(inv.request, inv.timeout, inv.retries + 1);
    }
  }
  return finish(RenderOutcome(inv.request, reply, opts));
}

}  // namespace forkv::cli
