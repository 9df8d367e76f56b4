#include "shared/control.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <msgpack.hpp>
#include <random>
#include <string>

#include "shared/codec.h"
#include "tests/support/raw_msgpack.h"

namespace forkv {
namespace {

using nlohmann::json;

// Hand-packed frames (tests/support/raw_msgpack.h), for shapes
// nlohmann::json cannot produce.
using test::Pack;
template <typename P>
void Str(P& pk, std::string_view s) {
  test::PackStr(pk, s);
}

ControlMessage RoundTrip(const ControlMessage& msg) {
  auto decoded = DecodeControlMessage(EncodeControlMessage(msg));
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  if (!decoded.ok()) return DbUpMsg{.shard = 0xdead};
  return *decoded;
}

// The status of decoding `j` (a map built by hand, as the children send).
Status DecodeJson(const json& j) { return DecodeControlMessage(EncodeJsonBody(j)).status(); }

void ExpectMalformed(const json& j, const std::string& needle) {
  Status s = DecodeJson(j);
  EXPECT_EQ(s.code(), StatusCode::kMalformed) << j.dump() << " -> " << s.ToString();
  EXPECT_NE(s.message().find(needle), std::string::npos)
      << j.dump() << " -> '" << s.message() << "' lacks '" << needle << "'";
}

// ---- round trips ---------------------------------------------------------------

TEST(ControlTest, HelloRoundTripsForEveryRole) {
  HelloMsg store{.role = ChildRole::kStore, .gen = 1700000000123456, .pid = 4242, .name = "users"};
  HelloMsg db{.role = ChildRole::kDb, .gen = 18, .pid = 4243, .shard = 63};
  HelloMsg http{.role = ChildRole::kHttp, .gen = std::numeric_limits<uint64_t>::max(), .pid = 1};
  for (const HelloMsg& m : {store, db, http}) {
    ControlMessage back = RoundTrip(m);
    ASSERT_TRUE(std::holds_alternative<HelloMsg>(back)) << ChildRoleName(m.role);
    EXPECT_EQ(std::get<HelloMsg>(back), m) << ChildRoleName(m.role);
  }
}

TEST(ControlTest, ReadyRoundTripsWithAndWithoutStats) {
  ReadyMsg store{.gen = 17, .stats = {{"keys", 3}, {"load_ms", 12}}};
  ReadyMsg http{.gen = 19, .stats = {{"port", 8080}}};
  ReadyMsg db{.gen = 18};
  ReadyMsg tcp_store{.gen = 20, .stats = {{"keys", 0}}, .tcp = "tcp://127.0.0.1:40001"};
  for (const ReadyMsg& m : {store, http, db, tcp_store}) {
    ControlMessage back = RoundTrip(m);
    ASSERT_TRUE(std::holds_alternative<ReadyMsg>(back)) << m.stats.dump();
    EXPECT_EQ(std::get<ReadyMsg>(back), m) << m.stats.dump();
  }
  EXPECT_TRUE(std::get<ReadyMsg>(RoundTrip(db)).stats.is_object());
  EXPECT_EQ(std::get<ReadyMsg>(RoundTrip(store)).tcp, "");
}

TEST(ControlTest, ReadyWithABadTcpEndpointIsMalformed) {
  for (const nlohmann::json& tcp : {nlohmann::json(7), nlohmann::json("ipc:///x.sock"),
                                    nlohmann::json("tcp://" + std::string(300, 'h'))}) {
    nlohmann::json j = {{"type", "ready"}, {"gen", 1}, {"tcp", tcp}};
    auto m = DecodeControlMessage(EncodeJsonBody(j));
    ASSERT_FALSE(m.ok()) << tcp.dump();
    EXPECT_EQ(m.status().code(), StatusCode::kMalformed);
    EXPECT_NE(m.status().message().find("tcp"), std::string::npos) << m.status().ToString();
  }
}

TEST(ControlTest, PingPongAndDbUpRoundTrip) {
  EXPECT_EQ(std::get<PingMsg>(RoundTrip(PingMsg{.seq = 99})), PingMsg{.seq = 99});
  PongMsg store{.seq = 99,
                .gen = 17,
                .stats = {{"keys", 3}, {"bytes", 100}, {"pending_writes", 0}, {"loaded", true}}};
  // A database worker's stats nest histograms: depth 4 (map, map, map, array).
  PongMsg db{.seq = 7,
             .gen = 18,
             .stats = {{"queue_depth", 0},
                       {"last_fsync_us", 120},
                       {"fsync_mode", "periodic"},
                       {"batch_size_histogram",
                        {{"le", {1, 2, 4, 8}}, {"counts", {0, 1, 2, 3, 4}}, {"sum", 12.5}}}}};
  PongMsg empty{.seq = 0, .gen = 0};
  for (const PongMsg& m : {store, db, empty}) {
    ControlMessage back = RoundTrip(m);
    ASSERT_TRUE(std::holds_alternative<PongMsg>(back)) << m.stats.dump();
    EXPECT_EQ(std::get<PongMsg>(back), m) << m.stats.dump();
  }
  EXPECT_EQ(std::get<DbUpMsg>(RoundTrip(DbUpMsg{.shard = 5})), DbUpMsg{.shard = 5});
  EXPECT_EQ(std::get<DbUpMsg>(RoundTrip(DbUpMsg{.shard = UINT32_MAX})),
            DbUpMsg{.shard = UINT32_MAX});
  for (const ActivityMsg& m :
       {ActivityMsg{.gen = 7, .busy = true},
        ActivityMsg{.gen = 8, .busy = false, .stats = {{"keys", 3}, {"bytes", 40}}}}) {
    ControlMessage back = RoundTrip(m);
    ASSERT_TRUE(std::holds_alternative<ActivityMsg>(back));
    EXPECT_EQ(std::get<ActivityMsg>(back), m);
  }
  EXPECT_EQ(std::get<HibernateMsg>(RoundTrip(HibernateMsg{.gen = 10})), HibernateMsg{.gen = 10});
}

TEST(ControlTest, ActivityNeedsABooleanBusy) {
  auto no_busy = DecodeControlMessage(EncodeJsonBody({{"type", "activity"}, {"gen", 1}}));
  ASSERT_FALSE(no_busy.ok());
  EXPECT_NE(no_busy.status().message().find("busy"), std::string::npos);
  auto number =
      DecodeControlMessage(EncodeJsonBody({{"type", "activity"}, {"gen", 1}, {"busy", 1}}));
  ASSERT_FALSE(number.ok());
  EXPECT_NE(number.status().message().find("a boolean"), std::string::npos);
  auto no_gen = DecodeControlMessage(EncodeJsonBody({{"type", "activity"}, {"busy", true}}));
  EXPECT_FALSE(no_gen.ok());
}

TEST(ControlTest, Names) {
  EXPECT_EQ(ControlTypeName(HelloMsg{}), "hello");
  EXPECT_EQ(ControlTypeName(ReadyMsg{}), "ready");
  EXPECT_EQ(ControlTypeName(PingMsg{}), "ping");
  EXPECT_EQ(ControlTypeName(PongMsg{}), "pong");
  EXPECT_EQ(ControlTypeName(DbUpMsg{}), "db_up");
  EXPECT_EQ(ControlTypeName(ActivityMsg{}), "activity");
  EXPECT_EQ(ControlTypeName(HibernateMsg{}), "hibernate");
  EXPECT_EQ(ChildRoleName(ChildRole::kStore), "store");
  EXPECT_EQ(ChildRoleName(ChildRole::kDb), "db");
  EXPECT_EQ(ChildRoleName(ChildRole::kHttp), "http");
  EXPECT_EQ(ChildRoutingId(ChildRole::kStore, 17), "s17");
  EXPECT_EQ(ChildRoutingId(ChildRole::kDb, 18), "d18");
  EXPECT_EQ(ChildRoutingId(ChildRole::kHttp, UINT64_MAX), "h18446744073709551615");
}

// ---- wire compatibility ----------------------------------------------------------

// What the children and the manager sent before the typed messages, built
// with the old hand-written maps: the encoder produces the same bytes, and
// the decoder reads them.
TEST(ControlTest, EncoderWritesTheBytesTheHandBuiltMapsDid) {
  pid_t pid = 4242;
  EXPECT_EQ(EncodeControlMessage(
                HelloMsg{.role = ChildRole::kStore, .gen = 17, .pid = pid, .name = "users"}),
            EncodeJsonBody({{"type", "hello"},
                            {"role", "store"},
                            {"name", "users"},
                            {"gen", uint64_t{17}},
                            {"pid", pid}}));
  EXPECT_EQ(
      EncodeControlMessage(HelloMsg{.role = ChildRole::kDb, .gen = 18, .pid = pid, .shard = 1}),
      EncodeJsonBody({{"type", "hello"},
                      {"role", "db"},
                      {"shard", uint32_t{1}},
                      {"gen", uint64_t{18}},
                      {"pid", static_cast<int64_t>(pid)}}));
  EXPECT_EQ(
      EncodeControlMessage(HelloMsg{.role = ChildRole::kHttp, .gen = 19, .pid = pid}),
      EncodeJsonBody({{"type", "hello"}, {"role", "http"}, {"gen", uint64_t{19}}, {"pid", pid}}));
  EXPECT_EQ(EncodeControlMessage(ReadyMsg{.gen = 18}),
            EncodeJsonBody({{"type", "ready"}, {"gen", uint64_t{18}}}));
  EXPECT_EQ(
      EncodeControlMessage(ReadyMsg{.gen = 19, .stats = {{"port", 8080}}}),
      EncodeJsonBody({{"type", "ready"}, {"gen", uint64_t{19}}, {"stats", {{"port", 8080}}}}));
  EXPECT_EQ(EncodeControlMessage(PingMsg{.seq = 99}),
            EncodeJsonBody({{"type", "ping"}, {"seq", uint64_t{99}}}));
  EXPECT_EQ(EncodeControlMessage(PongMsg{.seq = 99, .gen = 17, .stats = {{"keys", 3}}}),
            EncodeJsonBody(
                {{"type", "pong"}, {"seq", 99}, {"gen", uint64_t{17}}, {"stats", {{"keys", 3}}}}));
  EXPECT_EQ(EncodeControlMessage(DbUpMsg{.shard = 1}),
            EncodeJsonBody({{"type", "db_up"}, {"shard", 1}}));
}

// EncodeJsonBody is what the old EncodeControl(json) did.
TEST(ControlTest, DecodesTheMapsTodaysProcessesSend) {
  auto hello = DecodeControlMessage(EncodeJsonBody(
      {{"type", "hello"}, {"role", "store"}, {"name", "users"}, {"gen", 17}, {"pid", 4242}}));
  ASSERT_TRUE(hello.ok()) << hello.status().ToString();
  EXPECT_EQ(std::get<HelloMsg>(*hello),
            (HelloMsg{.role = ChildRole::kStore, .gen = 17, .pid = 4242, .name = "users"}));

  auto db_hello = DecodeControlMessage(EncodeJsonBody(
      {{"type", "hello"}, {"role", "db"}, {"shard", 1}, {"gen", 18}, {"pid", int64_t{4243}}}));
  ASSERT_TRUE(db_hello.ok()) << db_hello.status().ToString();
  EXPECT_EQ(std::get<HelloMsg>(*db_hello),
            (HelloMsg{.role = ChildRole::kDb, .gen = 18, .pid = 4243, .shard = 1}));

  // The store's ready before the fix carried its figures at the top level:
  // still a ready (unknown fields are ignored), with empty stats.
  auto old_ready = DecodeControlMessage(
      EncodeJsonBody({{"type", "ready"}, {"gen", 17}, {"keys", 3}, {"load_ms", 12}}));
  ASSERT_TRUE(old_ready.ok()) << old_ready.status().ToString();
  EXPECT_EQ(std::get<ReadyMsg>(*old_ready), ReadyMsg{.gen = 17});

  auto db_ready = DecodeControlMessage(EncodeJsonBody({{"type", "ready"}, {"gen", 18}}));
  ASSERT_TRUE(db_ready.ok()) << db_ready.status().ToString();
  EXPECT_EQ(std::get<ReadyMsg>(*db_ready), ReadyMsg{.gen = 18});

  auto ping = DecodeControlMessage(EncodeJsonBody({{"type", "ping"}, {"seq", 7}}));
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(std::get<PingMsg>(*ping).seq, 7u);

  json db_stats = {{"queue_depth", 0},        {"last_batch", 4},
                   {"batches", 10},           {"writes", 40},
                   {"failed_batches", 0},     {"last_fsync_us", int64_t{120}},
                   {"last_fsync_unix_ms", 0}, {"fsync_mode", "periodic"}};
  auto pong = DecodeControlMessage(
      EncodeJsonBody({{"type", "pong"}, {"seq", 99}, {"gen", 18}, {"stats", db_stats}}));
  ASSERT_TRUE(pong.ok()) << pong.status().ToString();
  const PongMsg& p = std::get<PongMsg>(*pong);
  EXPECT_EQ(p.seq, 99u);
  EXPECT_EQ(p.gen, 18u);
  EXPECT_EQ(p.stats.dump(), db_stats.dump());

  auto up = DecodeControlMessage(EncodeJsonBody({{"type", "db_up"}, {"shard", 1}}));
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(std::get<DbUpMsg>(*up).shard, 1u);
}

TEST(ControlTest, UnknownExtraFieldsAndOtherRolesFieldsAreIgnored) {
  auto m = DecodeControlMessage(EncodeJsonBody({{"type", "hello"},
                                                {"role", "db"},
                                                {"shard", 2},
                                                {"gen", 5},
                                                {"pid", 6},
                                                {"name", 42},  // not a store: not read
                                                {"future", {{"x", {1, 2}}}}}));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(std::get<HelloMsg>(*m),
            (HelloMsg{.role = ChildRole::kDb, .gen = 5, .pid = 6, .shard = 2}));
  auto http = DecodeControlMessage(EncodeJsonBody(
      {{"type", "hello"}, {"role", "http"}, {"gen", 5}, {"pid", 6}, {"shard", "x"}}));
  ASSERT_TRUE(http.ok()) << http.status().ToString();
  EXPECT_EQ(std::get<HelloMsg>(*http), (HelloMsg{.role = ChildRole::kHttp, .gen = 5, .pid = 6}));
}

// The integer formats msgpack allows for a non-negative value all decode.
TEST(ControlTest, AcceptsEveryIntegerFormatForNonNegativeValues) {
  for (int format = 0; format < 8; ++format) {
    std::string bytes = Pack([&](auto& pk) {
      pk.pack_map(2);
      Str(pk, "type");
      Str(pk, "ping");
      Str(pk, "seq");
      switch (format) {
        case 0:
          pk.pack_fix_uint8(5);
          break;
        case 1:
          pk.pack_fix_uint16(5);
          break;
        case 2:
          pk.pack_fix_uint32(5);
          break;
        case 3:
          pk.pack_fix_uint64(5);
          break;
        case 4:
          pk.pack_fix_int8(5);
          break;
        case 5:
          pk.pack_fix_int16(5);
          break;
        case 6:
          pk.pack_fix_int32(5);
          break;
        default:
          pk.pack_fix_int64(5);
          break;
      }
    });
    auto m = DecodeControlMessage(bytes);
    ASSERT_TRUE(m.ok()) << "format " << format << ": " << m.status().ToString();
    EXPECT_EQ(std::get<PingMsg>(*m).seq, 5u) << "format " << format;
  }
}

// ---- rejection -------------------------------------------------------------------

TEST(ControlTest, RejectsWhatIsNotAMap) {
  ExpectMalformed(json::array({"type", "ping"}), "not a map");
  ExpectMalformed(json(5), "not a map");
  ExpectMalformed(json("ping"), "not a map");
  ExpectMalformed(json(nullptr), "not a map");
  // A map whose keys are not strings.
  Status s = DecodeControlMessage(Pack([](auto& pk) {
               pk.pack_map(1);
               pk.pack_uint8(1);
               Str(pk, "ping");
             })).status();
  EXPECT_EQ(s.code(), StatusCode::kMalformed) << s.ToString();
}

TEST(ControlTest, RejectsAMissingOrUnknownType) {
  ExpectMalformed({{"seq", 1}}, "'type'");
  ExpectMalformed({{"type", 3}, {"seq", 1}}, "'type'");
  ExpectMalformed({{"type", nullptr}}, "'type'");
  ExpectMalformed({{"type", "pingg"}, {"seq", 1}}, "unknown type 'pingg'");
  ExpectMalformed({{"type", ""}}, "unknown type");
  ExpectMalformed({{"type", "HELLO"}, {"role", "db"}, {"gen", 1}, {"pid", 1}, {"shard", 0}},
                  "unknown type");
}

TEST(ControlTest, RejectsMissingRequiredFields) {
  ExpectMalformed({{"type", "ping"}}, "missing field 'seq'");
  ExpectMalformed({{"type", "pong"}, {"gen", 1}, {"stats", json::object()}}, "missing field 'seq'");
  ExpectMalformed({{"type", "pong"}, {"seq", 1}, {"stats", json::object()}}, "missing field 'gen'");
  ExpectMalformed({{"type", "pong"}, {"seq", 1}, {"gen", 1}}, "missing field 'stats'");
  ExpectMalformed({{"type", "ready"}}, "missing field 'gen'");
  ExpectMalformed({{"type", "db_up"}}, "missing field 'shard'");
  ExpectMalformed({{"type", "hello"}, {"gen", 1}, {"pid", 1}}, "missing field 'role'");
  ExpectMalformed({{"type", "hello"}, {"role", "http"}, {"pid", 1}}, "missing field 'gen'");
  ExpectMalformed({{"type", "hello"}, {"role", "http"}, {"gen", 1}}, "missing field 'pid'");
  ExpectMalformed({{"type", "hello"}, {"role", "store"}, {"gen", 1}, {"pid", 1}},
                  "missing field 'name'");
  ExpectMalformed({{"type", "hello"}, {"role", "db"}, {"gen", 1}, {"pid", 1}},
                  "missing field 'shard'");
}

TEST(ControlTest, RejectsUnknownRolesAndBadStoreNames) {
  json hello = {{"type", "hello"}, {"gen", 1}, {"pid", 1}, {"name", "users"}, {"shard", 0}};
  for (const json& role : {json("manager"), json("Store"), json(""), json(1), json(true)}) {
    json m = hello;
    m["role"] = role;
    ExpectMalformed(m, "role");
  }
  json store = {{"type", "hello"}, {"role", "store"}, {"gen", 1}, {"pid", 1}};
  for (const std::string& name : {std::string(""), std::string(".hidden"), std::string("a/b"),
                                  std::string(129, 'n'), std::string("nul\0", 4)}) {
    json m = store;
    m["name"] = name;
    ExpectMalformed(m, "bad store name");
  }
  store["name"] = 7;
  ExpectMalformed(store, "field 'name' must be a string");
  store["name"] = json::binary({'u', 's'});
  ExpectMalformed(store, "field 'name' must be a string");
}

TEST(ControlTest, RejectsWrongFieldTypes) {
  ExpectMalformed({{"type", "ping"}, {"seq", "1"}}, "field 'seq' must be a non-negative integer");
  ExpectMalformed({{"type", "ping"}, {"seq", 1.0}}, "field 'seq' must be a non-negative integer");
  ExpectMalformed({{"type", "ping"}, {"seq", true}}, "field 'seq'");
  ExpectMalformed({{"type", "ping"}, {"seq", nullptr}}, "field 'seq'");
  ExpectMalformed({{"type", "ping"}, {"seq", {1}}}, "field 'seq'");
  ExpectMalformed({{"type", "ready"}, {"gen", "17"}}, "field 'gen'");
  ExpectMalformed({{"type", "db_up"}, {"shard", 0.5}}, "field 'shard'");
  ExpectMalformed({{"type", "hello"}, {"role", "db"}, {"gen", 1}, {"pid", "1"}, {"shard", 0}},
                  "field 'pid'");
  ExpectMalformed({{"type", "hello"}, {"role", "db"}, {"gen", 1}, {"pid", 1}, {"shard", "0"}},
                  "field 'shard'");
}

TEST(ControlTest, RejectsNegativeAndOutOfRangeNumbers) {
  ExpectMalformed({{"type", "ping"}, {"seq", -1}}, "field 'seq' must be a non-negative integer");
  ExpectMalformed({{"type", "ready"}, {"gen", -17}}, "field 'gen'");
  ExpectMalformed({{"type", "pong"}, {"seq", 1}, {"gen", INT64_MIN}, {"stats", json::object()}},
                  "field 'gen'");
  ExpectMalformed({{"type", "hello"}, {"role", "http"}, {"gen", 1}, {"pid", -1}}, "field 'pid'");
  ExpectMalformed({{"type", "hello"}, {"role", "http"}, {"gen", 1}, {"pid", uint64_t{1} << 63}},
                  "field 'pid' must be at most");
  ExpectMalformed({{"type", "db_up"}, {"shard", -1}}, "field 'shard'");
  ExpectMalformed({{"type", "db_up"}, {"shard", uint64_t{UINT32_MAX} + 1}},
                  "field 'shard' must be at most 4294967295");
  ExpectMalformed(
      {{"type", "hello"}, {"role", "db"}, {"gen", 1}, {"pid", 1}, {"shard", uint64_t{1} << 32}},
      "field 'shard'");
}

TEST(ControlTest, RejectsStatsThatAreNotAMap) {
  for (const json& stats :
       {json::array({1, 2}), json(3), json("keys"), json(nullptr), json(true)}) {
    ExpectMalformed({{"type", "pong"}, {"seq", 1}, {"gen", 1}, {"stats", stats}},
                    "field 'stats' must be a map");
    ExpectMalformed({{"type", "ready"}, {"gen", 1}, {"stats", stats}},
                    "field 'stats' must be a map");
  }
}

TEST(ControlTest, RejectsTruncatedBytes) {
  std::string whole = EncodeControlMessage(
      PongMsg{.seq = 99, .gen = 17, .stats = {{"keys", 3}, {"bytes", 100}, {"loaded", true}}});
  ASSERT_TRUE(DecodeControlMessage(whole).ok());
  for (size_t n = 0; n < whole.size(); ++n) {
    Status s = DecodeControlMessage(std::string_view(whole).substr(0, n)).status();
    EXPECT_EQ(s.code(), StatusCode::kMalformed) << "prefix of " << n << ": " << s.ToString();
  }
  // And one byte too many.
  Status trailing = DecodeControlMessage(whole + '\xc0').status();
  EXPECT_EQ(trailing.code(), StatusCode::kMalformed) << trailing.ToString();
  EXPECT_NE(trailing.message().find("trailing"), std::string::npos) << trailing.message();
}

TEST(ControlTest, RejectsGarbageWithoutThrowing) {
  for (std::string_view bad : {std::string_view(""), std::string_view("\xc1"),
                               std::string_view("\x81\xa4type"), std::string_view("hello")}) {
    auto m = DecodeControlMessage(bad);
    EXPECT_FALSE(m.ok()) << "accepted garbage";
    EXPECT_FALSE(m.status().message().empty());
  }
  // An ext object inside a map (the decode limits allow no ext at all).
  Status ext = DecodeControlMessage(Pack([](auto& pk) {
                 pk.pack_map(2);
                 Str(pk, "type");
                 Str(pk, "ping");
                 Str(pk, "seq");
                 pk.pack_ext(1, 1);
                 pk.pack_ext_body("x", 1);
               })).status();
  EXPECT_EQ(ext.code(), StatusCode::kTooLarge) << ext.ToString();
  EXPECT_NE(ext.message().find("ext"), std::string::npos) << ext.message();
  std::mt19937 rng(7);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 48, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    if (i % 2 == 0 && !s.empty()) s[0] = static_cast<char>(0x80 | (rng() % 16));  // a fixmap
    auto m = DecodeControlMessage(s);
    if (m.ok()) {
      ++accepted;
    } else {
      EXPECT_TRUE(m.status().code() == StatusCode::kMalformed ||
                  m.status().code() == StatusCode::kTooLarge)
          << m.status().ToString();
    }
  }
  EXPECT_EQ(accepted, 0);
}

TEST(ControlTest, RejectsOversizeInput) {
  // Over 64 KiB, though otherwise a fine pong.
  PongMsg big{.seq = 1, .gen = 1, .stats = {{"blob", std::string(64 * 1024, 'x')}}};
  Status s = DecodeControlMessage(EncodeControlMessage(big)).status();
  EXPECT_EQ(s.code(), StatusCode::kTooLarge) << s.ToString();
  // Just under it is fine.
  PongMsg fits{.seq = 1, .gen = 1, .stats = {{"blob", std::string(60 * 1024, 'x')}}};
  EXPECT_TRUE(DecodeControlMessage(EncodeControlMessage(fits)).ok());

  // More than 256 map entries.
  json wide = {{"type", "ping"}, {"seq", 1}};
  for (int i = 0; i < 255; ++i) wide["f" + std::to_string(i)] = i;
  EXPECT_EQ(DecodeJson(wide).code(), StatusCode::kTooLarge);
  wide.erase("f0");  // 256 entries
  EXPECT_TRUE(DecodeJson(wide).ok()) << DecodeJson(wide).ToString();

  // An array of more than 1024 elements in the stats.
  json long_array = json::array();
  for (int i = 0; i < 1025; ++i) long_array.push_back(i);
  EXPECT_EQ(
      DecodeJson({{"type", "pong"}, {"seq", 1}, {"gen", 1}, {"stats", {{"a", long_array}}}}).code(),
      StatusCode::kTooLarge);
  long_array.erase(long_array.begin());
  EXPECT_TRUE(
      DecodeJson({{"type", "pong"}, {"seq", 1}, {"gen", 1}, {"stats", {{"a", long_array}}}}).ok());

  // Nesting deeper than 6 (a store's request figures nest 6 deep).
  json deep = {{"type", "pong"},
               {"seq", 1},
               {"gen", 1},
               {"stats", {{"a", {{"b", {{"c", {{"d", {{"e", {1}}}}}}}}}}}}};
  EXPECT_FALSE(DecodeJson(deep).ok());
  json depth6 = {
      {"type", "pong"}, {"seq", 1}, {"gen", 1}, {"stats", {{"a", {{"b", {{"c", {{"d", {1}}}}}}}}}}};
  EXPECT_TRUE(DecodeJson(depth6).ok()) << DecodeJson(depth6).ToString();

  // A map header claiming 2^32-1 entries must not allocate them.
  Status huge = DecodeControlMessage(std::string("\xdf\xff\xff\xff\xff", 5)).status();
  EXPECT_FALSE(huge.ok());
}

}  // namespace
}  // namespace forkv
