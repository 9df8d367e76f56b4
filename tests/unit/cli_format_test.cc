#include <gtest/gtest.h>
#include <signal.h>

#include "client_cli/format.h"
#include "shared/codec.h"

namespace forkv::cli {
namespace {

using nlohmann::json;

Reply OkReply(std::string body = "") {
  Reply r;
  r.id = 7;
  r.body = std::move(body);
  return r;
}

Request MakeRequest(Op op, std::string store = "", std::string key = "", uint64_t arg = 0) {
  Request r;
  r.op = op;
  r.store = std::move(store);
  r.key = std::move(key);
  r.arg = arg;
  return r;
}

const RenderOptions kHuman{.json = false, .tty = false};
const RenderOptions kTty{.json = false, .tty = true};
const RenderOptions kJson{.json = true, .tty = false};

json ParseOut(const Output& o) {
  EXPECT_FALSE(o.out.empty());
  EXPECT_EQ(o.out.back(), '\n');
  EXPECT_EQ(o.out.find('\n'), o.out.size() - 1) << "one line of JSON";
  return json::parse(o.out);
}

TEST(CliFormatTest, ExitCodes) {
  EXPECT_EQ(ExitCodeFor(StatusCode::kOk), 0);
  EXPECT_EQ(ExitCodeFor(StatusCode::kNotFound), 1);
  EXPECT_EQ(ExitCodeFor(StatusCode::kTimeout), 3);
  EXPECT_EQ(ExitCodeFor(StatusCode::kUnavailable), 3);
  for (StatusCode c : {StatusCode::kInvalidArgument, StatusCode::kTooLarge, StatusCode::kMalformed,
                       StatusCode::kUnknownOp, StatusCode::kVersionMismatch}) {
    EXPECT_EQ(ExitCodeFor(c), 4) << StatusCodeName(c);
  }
  EXPECT_EQ(ExitCodeFor(StatusCode::kIoError), 5);
  EXPECT_EQ(ExitCodeFor(StatusCode::kInternal), 5);
  EXPECT_NE(ExitCodeHelp().find("3  cannot reach the manager"), std::string::npos);
}

TEST(CliFormatTest, Durations) {
  EXPECT_EQ(FormatDuration(0), "0ms");
  EXPECT_EQ(FormatDuration(999), "999ms");
  EXPECT_EQ(FormatDuration(1000), "1s");
  EXPECT_EQ(FormatDuration(59999), "59s");
  EXPECT_EQ(FormatDuration(60000), "1m0s");
  EXPECT_EQ(FormatDuration(192000), "3m12s");
  EXPECT_EQ(FormatDuration(303000), "5m3s");
  EXPECT_EQ(FormatDuration(3600000), "1h0m");
  EXPECT_EQ(FormatDuration(7500000), "2h5m");
  EXPECT_EQ(FormatDuration(90061000), "1d1h");
  EXPECT_EQ(FormatMicros(850), "850us");
  EXPECT_EQ(FormatMicros(1234), "1.2ms");
  EXPECT_EQ(FormatMicros(2500000), "2.50s");
}

TEST(CliFormatTest, Signals) {
  EXPECT_EQ(*ParseSignal("9"), SIGKILL);
  EXPECT_EQ(*ParseSignal("KILL"), SIGKILL);
  EXPECT_EQ(*ParseSignal("SIGKILL"), SIGKILL);
  EXPECT_EQ(*ParseSignal("sigterm"), SIGTERM);
  EXPECT_EQ(*ParseSignal("Stop"), SIGSTOP);
  EXPECT_EQ(*ParseSignal("64"), 64);
  for (const char* bad : {"", "0", "65", "999", "FOO", "SIG", "-9", "9x"}) {
    EXPECT_EQ(ParseSignal(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CliFormatTest, Utf8AndBase64) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("a\x80"));             // lone continuation
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("\xff\xfe"), "//4=");
}

TEST(CliFormatTest, SanitizeTurnsBinaryIntoStrings) {
  json j = {{"a", json::binary({'h', 'i'})}, {"b", json::array({json::binary({0xff})})}, {"c", 1}};
  EXPECT_EQ(Sanitize(j), json::parse(R"({"a":"hi","b":["/w=="],"c":1})"));
  EXPECT_EQ(DumpJson(json("\xff")), "\"\xef\xbf\xbd\"");  // replaced, no throw
}

json StatusBody() {
  return json::parse(R"j({
    "manager": {"pid": 1234, "uptime_ms": 303000, "endpoint": "ipc:///run/forkv/m.sock",
                "data_dir": "/var/lib/forkv", "version": "0.1.0", "state": "running"},
    "tree": {"name": "root", "kind": "supervisor", "strategy": "rest_for_one", "children": [
      {"name": "db_pool", "kind": "supervisor", "strategy": "one_for_one", "children": [
        {"name": "db-0", "kind": "db", "pid": 1240, "state": "running", "uptime_ms": 303000,
         "restarts": 0},
        {"name": "db-1", "kind": "db", "pid": 0, "state": "restarting", "uptime_ms": 0,
         "restarts": 2, "last_exit": "killed by signal 9 (SIGKILL)"}]},
      {"name": "stores", "kind": "supervisor", "strategy": "one_for_one", "children": [
        {"name": "users", "kind": "store", "pid": 1250, "state": "running", "uptime_ms": 61000,
         "restarts": 1}]},
      {"name": "http", "kind": "http"}]}
  })j");
}

TEST(CliFormatTest, StatusTree) {
  EXPECT_EQ(RenderStatusTree(StatusBody()),
            "forkv-manager pid 1234 running up 5m3s  endpoint ipc:///run/forkv/m.sock  "
            "data_dir /var/lib/forkv  version 0.1.0\n"
            "└─ root (rest_for_one)\n"
            "   ├─ db_pool (one_for_one)\n"
            "   │  ├─ db-0  pid 1240 running up 5m3s restarts 0\n"
            "   │  └─ db-1  restarting restarts 2  last exit: killed by signal 9 (SIGKILL)\n"
            "   ├─ stores (one_for_one)\n"
            "   │  └─ users  pid 1250 running up 1m1s restarts 1\n"
            "   └─ http\n");
}

// A status whose stores supervisor summarises a million stores.
json SummarisedStatus() {
  return json::parse(R"({"manager": {"pid": 1}, "tree": {"name": "root", "kind": "supervisor",
      "children": [{"name": "stores", "kind": "supervisor", "strategy": "one_for_one",
                    "counts": {"running": 3, "hibernating": 999997, "failed": 0},
                    "total": 1000000, "omitted": 1,
                    "children": [{"name": "a", "kind": "store", "state": "running", "pid": 7},
                                 {"name": "b", "kind": "store", "state": "running", "pid": 8}]}]}})");
}

TEST(CliFormatTest, StatusTreeCountsStoresInsteadOfListingThem) {
  EXPECT_EQ(RenderStatusTree(SummarisedStatus()),
            "forkv-manager pid 1\n"
            "└─ root\n"
            "   └─ stores (one_for_one)  1000000 stores: 3 running, 999997 hibernating\n"
            "      ├─ a  pid 7 running\n"
            "      ├─ b  pid 8 running\n"
            "      └─ ... 1 more live stores (forkv stores --state STATE)\n");
}

json StoresPage(std::vector<std::string> names, json next_after) {
  json stores = json::array();
  for (const auto& n : names) {
    stores.push_back({{"name", n}, {"pid", 0}, {"state", "hibernating"}, {"restarts", 0}});
  }
  return {{"stores", stores},
          {"db_workers", json::array({{{"shard", 0}, {"pid", 5}, {"state", "running"}}})},
          {"next_after", std::move(next_after)},
          {"total", 5}};
}

TEST(CliFormatTest, APageThatIsNotTheLastSaysHowToGoOn) {
  Request r = MakeRequest(Op::kStores, "", "", kDefaultStoresLimit);
  Output more = RenderOutcome(r, OkReply(EncodeJsonBody(StoresPage({"a", "b"}, "b"))), kHuman);
  EXPECT_EQ(more.exit_code, 0);
  EXPECT_EQ(more.out, RenderStoresTable(StoresPage({"a", "b"}, "b")));
  EXPECT_EQ(more.err, "-- more: forkv stores --after b\n");
  Output last = RenderOutcome(r, OkReply(EncodeJsonBody(StoresPage({"c"}, nullptr))), kHuman);
  EXPECT_EQ(last.err, "");
  r.arg = 7;
  r.value = "hibernating";
  EXPECT_EQ(MoreStoresHint(r, "x"),
            "-- more: forkv stores --after x --state hibernating --limit 7\n");
  json j = ParseOut(RenderOutcome(r, OkReply(EncodeJsonBody(StoresPage({"a"}, "a"))), kJson));
  EXPECT_EQ(j["next_after"], "a");
  EXPECT_EQ(j["total"], 5);
}

TEST(CliFormatTest, AllPagesMakeOneTableWithTheHeaderOnce) {
  AllStoresRenderer all(kHuman);
  auto first = all.Page(OkReply(EncodeJsonBody(StoresPage({"a", "b"}, "b"))));
  ASSERT_TRUE(first.next_after.has_value());
  EXPECT_EQ(*first.next_after, "b");
  auto empty = all.Page(OkReply(EncodeJsonBody(StoresPage({}, "c"))));  // a bounded walk
  ASSERT_TRUE(empty.next_after.has_value());
  EXPECT_EQ(empty.output.out, "");
  auto last = all.Page(OkReply(EncodeJsonBody(StoresPage({"longer-name"}, nullptr))));
  EXPECT_FALSE(last.next_after.has_value());
  EXPECT_EQ(last.output.exit_code, 0);
  std::string text = first.output.out + empty.output.out + last.output.out;
  EXPECT_EQ(text.find("NAME"), 0u) << text;
  EXPECT_EQ(text.find("NAME", 1), std::string::npos) << "one header: " << text;
  EXPECT_NE(text.find("\na "), std::string::npos) << text;
  EXPECT_NE(text.find("\nlonger-name  -"), std::string::npos) << text;
  EXPECT_NE(last.output.out.find("DB_SHARD"), std::string::npos) << "db workers at the end";
  EXPECT_EQ(first.output.out.find("DB_SHARD"), std::string::npos);
}

TEST(CliFormatTest, AllPagesInJsonAreOneObject) {
  AllStoresRenderer all(kJson);
  std::string out = all.Page(OkReply(EncodeJsonBody(StoresPage({"a", "b"}, "b")))).output.out;
  out += all.Page(OkReply(EncodeJsonBody(StoresPage({}, "c")))).output.out;
  auto last = all.Page(OkReply(EncodeJsonBody(StoresPage({"d"}, nullptr))));
  out += last.output.out;
  EXPECT_EQ(last.output.exit_code, 0);
  json j = ParseOut(Output{out, "", 0});
  EXPECT_EQ(j["ok"], true);
  ASSERT_EQ(j["stores"].size(), 3u);
  EXPECT_EQ(j["stores"][2]["name"], "d");
  EXPECT_EQ(j["total"], 5);
  EXPECT_TRUE(j["next_after"].is_null());
  EXPECT_EQ(j["db_workers"].size(), 1u);
}

TEST(CliFormatTest, AllPagesEndWithTheErrorOfAPageThatFails) {
  AllStoresRenderer json_all(kJson);
  std::string out = json_all.Page(OkReply(EncodeJsonBody(StoresPage({"a"}, "a")))).output.out;
  auto failed = json_all.Page(Result<Reply>(Status::Timeout("no reply")));
  EXPECT_FALSE(failed.next_after.has_value());
  EXPECT_EQ(failed.output.exit_code, kExitUnreachable);
  json j = ParseOut(Output{out + failed.output.out, "", 0});
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["code"], "timeout");
  EXPECT_EQ(j["stores"].size(), 1u);

  AllStoresRenderer human(kHuman);
  Reply refused = OkReply();
  refused.code = StatusCode::kInvalidArgument;
  refused.message = "stores: unknown state";
  auto at_once = human.Page(refused);
  EXPECT_EQ(at_once.output.exit_code, kExitRejected);
  EXPECT_EQ(at_once.output.err, "forkv: invalid_argument: stores: unknown state\n");
}

TEST(CliFormatTest, StatusTreeToleratesMissingAndMistypedFields) {
  EXPECT_EQ(RenderStatusTree(json(nullptr)), "forkv-manager\n");
  EXPECT_EQ(RenderStatusTree(json::array()), "forkv-manager\n");
  json body = json::parse(R"({"manager": {"pid": "x"}, "tree": {"children": [
      42, {"name": "a", "pid": -1, "restarts": "many", "children": "nope"}]}})");
  EXPECT_EQ(RenderStatusTree(body),
            "forkv-manager\n"
            "└─ ?\n"
            "   ├─ ?\n"
            "   └─ a\n");
}

TEST(CliFormatTest, StoresTable) {
  json body = json::parse(R"({
    "stores": [
      {"name": "users", "state": "running", "pid": 1250, "restarts": 0, "uptime_ms": 192000,
       "generation": 3, "last_exit": ""},
      {"name": "orders-archive", "state": "failed", "pid": 0, "restarts": 5, "uptime_ms": 0,
       "generation": 9, "last_exit": "exited 111"},
      {"name": "half"},
      "garbage"],
    "db_workers": [
      {"shard": 0, "state": "running", "pid": 1240, "restarts": 0, "uptime_ms": 303000,
       "queue_depth": 2, "last_batch": 16, "batches": 120, "writes": 1900,
       "last_fsync_us": 1234, "last_fsync_unix_ms": 1700000000000, "fsync_mode": "always",
       "last_exit": ""},
      {"shard": 1},
      {"shard": 2, "last_fsync_us": 0, "last_fsync_unix_ms": 0}]
  })");
  EXPECT_EQ(RenderStoresTable(body),
            "NAME            PID   STATE    RESTARTS  UPTIME  LAST_EXIT\n"
            "users           1250  running  0         3m12s   -\n"
            "orders-archive  -     failed   5         -       exited 111\n"
            "half            -     -        -         -       -\n"
            "-               -     -        -         -       -\n"
            "\n"
            "DB_SHARD  PID   STATE    RESTARTS  UPTIME  QUEUE  LAST_BATCH  BATCHES  WRITES  "
            "LAST_FSYNC  FSYNC_MODE  LAST_EXIT\n"
            "0         1240  running  0         5m3s    2      16          120      1900    "
            "1.2ms       always      -\n"
            "1         -     -        -         -       -      -           -        -       "
            "-           -           -\n"
            "2         -     -        -         -       -      -           -        -       "
            "-           -           -\n");
}

TEST(CliFormatTest, StoresTableWithoutDbWorkersOrStores) {
  EXPECT_EQ(RenderStoresTable(json::object()), "NAME  PID  STATE  RESTARTS  UPTIME  LAST_EXIT\n");
  EXPECT_EQ(RenderStoresTable(json(nullptr)), "NAME  PID  STATE  RESTARTS  UPTIME  LAST_EXIT\n");
}

TEST(CliFormatTest, Ping) {
  json body = {{"pid", 1234}, {"version", "0.1.0"}, {"uptime_ms", 5000}, {"stores", 3}};
  EXPECT_EQ(RenderPing(body), "pong pid 1234 version 0.1.0 up 5s stores 3\n");
  EXPECT_EQ(RenderPing(json(nullptr)), "pong\n");
  Output o = RenderOutcome(MakeRequest(Op::kPing), OkReply(EncodeJsonBody(body)), kJson);
  EXPECT_EQ(ParseOut(o), json::parse(R"({"ok":true,"pid":1234,"version":"0.1.0",
                                         "uptime_ms":5000,"stores":3})"));
}

TEST(CliFormatTest, GetHumanNewlineOnlyOnTty) {
  Request req = MakeRequest(Op::kGet, "s", "k");
  Result<Reply> reply = OkReply(EncodeBinBody(std::string("v\0w", 3)));
  Output plain = RenderOutcome(req, reply, kHuman);
  EXPECT_EQ(plain.out, std::string("v\0w", 3));
  EXPECT_EQ(plain.exit_code, 0);
  EXPECT_EQ(RenderOutcome(req, reply, kTty).out, std::string("v\0w\n", 4));
}

TEST(CliFormatTest, GetJsonUtf8AndBinary) {
  Request req = MakeRequest(Op::kGet, "s", "k");
  json text = ParseOut(RenderOutcome(req, OkReply(EncodeBinBody("h\xc3\xa9llo")), kJson));
  EXPECT_EQ(text, json::parse(R"({"ok":true,"store":"s","key":"k","value":"h\u00e9llo"})"));
  Request bin_key = MakeRequest(Op::kGet, "s", "\xff");
  json bin =
      ParseOut(RenderOutcome(bin_key, OkReply(EncodeBinBody(std::string("\x00\xff", 2))), kJson));
  EXPECT_EQ(bin,
            json::parse(R"({"ok":true,"store":"s","key_base64":"/w==","value_base64":"AP8="})"));
}

TEST(CliFormatTest, JsonFieldOrderIsOkThenRequestThenBody) {
  Request req = MakeRequest(Op::kGet, "s", "k");
  EXPECT_EQ(RenderOutcome(req, OkReply(EncodeBinBody("v")), kJson).out,
            R"({"ok":true,"store":"s","key":"k","value":"v"})"
            "\n");
  Reply err;
  err.code = StatusCode::kUnavailable;
  err.message = "store restarting";
  EXPECT_EQ(RenderOutcome(req, err, kJson).out,
            R"({"ok":false,"code":"unavailable","message":"store restarting"})"
            "\n");
}

TEST(CliFormatTest, ErrorsHumanAndJson) {
  Request req = MakeRequest(Op::kGet, "s", "k");
  Reply not_found;
  not_found.id = 7;
  not_found.code = StatusCode::kNotFound;
  not_found.message = "no such key";
  Output human = RenderOutcome(req, not_found, kHuman);
  EXPECT_EQ(human.out, "");
  EXPECT_EQ(human.err, "forkv: not_found: no such key\n");
  EXPECT_EQ(human.exit_code, 1);
  Output js = RenderOutcome(req, not_found, kJson);
  EXPECT_EQ(js.err, "");
  EXPECT_EQ(js.exit_code, 1);
  EXPECT_EQ(ParseOut(js),
            json::parse(R"({"ok":false,"code":"not_found","message":"no such key"})"));

  Result<Reply> timeout = Status::Timeout("no reply from ipc:///x within 5000 ms");
  Output t = RenderOutcome(req, timeout, kHuman);
  EXPECT_EQ(t.err, "forkv: timeout: no reply from ipc:///x within 5000 ms\n");
  EXPECT_EQ(t.exit_code, 3);
  EXPECT_EQ(ParseOut(RenderOutcome(req, timeout, kJson))["code"], "timeout");
}

TEST(CliFormatTest, UnreadableBodiesAreServerErrors) {
  Request get = MakeRequest(Op::kGet, "s", "k");
  Output garbage = RenderOutcome(get, OkReply("\xc1"), kHuman);  // 0xc1 is never valid msgpack
  EXPECT_EQ(garbage.exit_code, 5);
  EXPECT_NE(garbage.err.find("undecodable reply body"), std::string::npos);
  Output wrong_type = RenderOutcome(get, OkReply(EncodeUintBody(3)), kJson);
  EXPECT_EQ(wrong_type.exit_code, 5);
  EXPECT_EQ(ParseOut(wrong_type)["code"], "internal");
  EXPECT_EQ(
      RenderOutcome(MakeRequest(Op::kCount, "s"), OkReply(EncodeBinBody("x")), kHuman).exit_code,
      5);
}

TEST(CliFormatTest, PutDelAndAdminOps) {
  Request put = MakeRequest(Op::kPut, "s", "k");
  EXPECT_EQ(RenderOutcome(put, OkReply(EncodeUintBody(7)), kHuman).out, "ok\n");
  EXPECT_EQ(ParseOut(RenderOutcome(put, OkReply(EncodeUintBody(7)), kJson)),
            json::parse(R"({"ok":true,"store":"s","key":"k","version":7})"));
  // A put's reply carries the new version: without one it is not understood.
  EXPECT_EQ(RenderOutcome(put, OkReply(), kJson).exit_code, 5);
  Request del = MakeRequest(Op::kDel, "s", "k");
  EXPECT_EQ(ParseOut(RenderOutcome(del, OkReply(), kJson)),
            json::parse(R"({"ok":true,"store":"s","key":"k"})"));

  Request kill = MakeRequest(Op::kKill, "s", "", 9);
  EXPECT_EQ(RenderOutcome(kill, OkReply(), kHuman).out, "ok\n");
  EXPECT_EQ(ParseOut(RenderOutcome(kill, OkReply(EncodeJsonBody({{"pid", 55}})), kJson)),
            json::parse(R"({"ok":true,"store":"s","signal":9,"pid":55})"));
  for (Op op : {Op::kDrop, Op::kRestart, Op::kWait}) {
    Request r = MakeRequest(op, "s");
    EXPECT_EQ(RenderOutcome(r, OkReply(), kHuman).out, "ok\n");
    EXPECT_EQ(ParseOut(RenderOutcome(r, OkReply(), kJson)),
              json::parse(R"({"ok":true,"store":"s"})"));
  }
}

TEST(CliFormatTest, Create) {
  Request req = MakeRequest(Op::kCreate, "s");
  std::string created = EncodeJsonBody({{"name", "s"}, {"pid", 42}, {"created", true}});
  std::string existed = EncodeJsonBody({{"name", "s"}, {"pid", 42}, {"created", false}});
  EXPECT_EQ(RenderOutcome(req, OkReply(created), kHuman).out, "created s (pid 42)\n");
  EXPECT_EQ(RenderOutcome(req, OkReply(existed), kHuman).out, "s already exists (pid 42)\n");
  EXPECT_EQ(RenderOutcome(req, OkReply(), kHuman).out, "created s\n");
  EXPECT_EQ(ParseOut(RenderOutcome(req, OkReply(existed), kJson)),
            json::parse(R"({"ok":true,"store":"s","name":"s","pid":42,"created":false})"));
}

TEST(CliFormatTest, KeysAndCount) {
  Request keys = MakeRequest(Op::kKeys, "s");
  std::string body = EncodeBinArrayBody({"a", "b/c"});
  EXPECT_EQ(RenderOutcome(keys, OkReply(body), kHuman).out, "a\nb/c\n");
  EXPECT_EQ(ParseOut(RenderOutcome(keys, OkReply(body), kJson)),
            json::parse(R"({"ok":true,"store":"s","keys":[{"key":"a"},{"key":"b/c"}]})"));
  // One non-UTF-8 key changes only its own entry.
  std::string binary = EncodeBinArrayBody({"a", "\xff"});
  EXPECT_EQ(ParseOut(RenderOutcome(keys, OkReply(binary), kJson)),
            json::parse(R"({"ok":true,"store":"s","keys":[{"key":"a"},{"key_base64":"/w=="}]})"));
  RenderOptions nul = kHuman;
  nul.null_terminated = true;
  EXPECT_EQ(RenderOutcome(keys, OkReply(EncodeBinArrayBody({"a\nb", "c"})), nul).out,
            std::string("a\nb\0c\0", 6));
  EXPECT_EQ(RenderOutcome(keys, OkReply(EncodeBinArrayBody({})), kHuman).out, "");
  EXPECT_EQ(RenderOutcome(keys, OkReply(EncodeUintBody(1)), kHuman).exit_code, 5);

  Request count = MakeRequest(Op::kCount, "s");
  EXPECT_EQ(RenderOutcome(count, OkReply(EncodeUintBody(12)), kHuman).out, "12\n");
  EXPECT_EQ(ParseOut(RenderOutcome(count, OkReply(EncodeUintBody(12)), kJson)),
            json::parse(R"({"ok":true,"store":"s","count":12})"));
}

TEST(CliFormatTest, StoresAndStatusJsonPassBodyThrough) {
  json stores = {{"stores", json::array({{{"name", "users"}, {"pid", 1}}})},
                 {"db_workers", json::array()}};
  json out =
      ParseOut(RenderOutcome(MakeRequest(Op::kStores), OkReply(EncodeJsonBody(stores)), kJson));
  EXPECT_EQ(out["ok"], true);
  EXPECT_EQ(out["stores"], stores["stores"]);
  EXPECT_EQ(out["db_workers"], json::array());

  json status = ParseOut(
      RenderOutcome(MakeRequest(Op::kStatus), OkReply(EncodeJsonBody(StatusBody())), kJson));
  EXPECT_EQ(status["tree"], StatusBody()["tree"]);
  EXPECT_EQ(status["manager"]["pid"], 1234);

  Output human =
      RenderOutcome(MakeRequest(Op::kStatus), OkReply(EncodeJsonBody(StatusBody())), kHuman);
  EXPECT_EQ(human.out, RenderStatusTree(StatusBody()));
}

}  // namespace
}  // namespace forkv::cli
