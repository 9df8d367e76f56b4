// The hostile-input fixture: a live manager with seeded data, raw sockets
// to its frontend and internal endpoints, and checks that nothing changed.
// Shared by hostile_input_test.cc (the client frontend) and
// hostile_internal_test.cc (the internal sockets).
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <msgpack.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "clients/cpp/connection.h"
#include "shared/codec.h"
#include "shared/protocol.h"
#include "shared/zsock.h"
#include "tests/support/harness.h"
#include "tests/support/raw_msgpack.h"

namespace forkv::test::hostile {

inline constexpr auto kReplyWait = 5s;
inline constexpr char kStore[] = "keep";
inline constexpr int kSeedKeys = 16;

// The 7 fields of a valid request, packed as the reference encoder does.
inline std::vector<std::string> Fields(uint64_t id, uint64_t op, std::string_view store,
                                       std::string_view key, std::string_view value,
                                       uint64_t arg = 0) {
  return {PUint(kProtocolVersion),
          PUint(id),
          PUint(op),
          PStr(store),
          PBin(key),
          PBin(value),
          PUint(arg)};
}

inline std::string SeedKey(int i) { return "k" + std::to_string(i); }
// Varied values: binary bytes, an empty one, and a 100 KB one.
inline std::string SeedValue(int i) {
  if (i == 0) return "";
  if (i == 1) return std::string(100 * 1024, 'v');
  std::string v = "value-" + std::to_string(i) + std::string("\0\xff\x01", 3);
  return v;
}

inline std::string Describe(std::string_view bytes) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < 24; ++i) {
    out += hex[static_cast<uint8_t>(bytes[i]) >> 4];
    out += hex[static_cast<uint8_t>(bytes[i]) & 15];
  }
  if (bytes.size() > 24) out += "... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

// ---- fixture ------------------------------------------------------------------

class HostileInputTest : public ForkvTest {
 protected:
  void SetUp() override {
    ForkvTest::SetUp();
    if (HasFatalFailure()) return;
    Connection c(ctx_, mgr_->endpoint());
    for (int i = 0; i < kSeedKeys; ++i) {
      ASSERT_TRUE(c.Put(kStore, SeedKey(i), SeedValue(i), kReplyWait).ok()) << i;
    }
    manager_pid_ = mgr_->pid();
    children_ = Children();                    // the spawn server too: nothing here may kill it
    ASSERT_EQ(mgr_->WorkerPids().size(), 3u);  // 2 database workers + the store
  }

  std::vector<pid_t> Children() const {
    std::vector<pid_t> c = LiveChildrenOf(manager_pid_);
    std::sort(c.begin(), c.end());
    return c;
  }

  // A DEALER on the manager's frontend (or `endpoint`).
  zmq::socket_t Dealer(const std::string& endpoint = "", SocketOptions opts = {}) {
    zmq::socket_t s = MakeSocket(ctx_, zmq::socket_type::dealer, opts);
    s.connect(endpoint.empty() ? mgr_->endpoint() : endpoint);
    return s;
  }

  // Sends `frames` and returns the decoded reply (the last frame of the
  // answer), checking that the envelope (every frame before the payload) is
  // echoed unchanged. Adds a failure and returns nullopt otherwise.
  static std::optional<Reply> Ask(zmq::socket_t& s, const std::vector<std::string>& frames,
                                  const std::string& what) {
    std::vector<std::string_view> views(frames.begin(), frames.end());
    if (Status st = SendFrames(s, views); !st.ok()) {
      ADD_FAILURE() << what << ": send failed: " << st.ToString();
      return std::nullopt;
    }
    auto reply = RecvWithin(s, kReplyWait);
    if (!reply) {
      ADD_FAILURE() << what << ": no reply within " << kReplyWait.count() << " s";
      return std::nullopt;
    }
    if (reply->size() != frames.size()) {
      ADD_FAILURE() << what << ": reply has " << reply->size() << " frames, want " << frames.size();
      return std::nullopt;
    }
    for (size_t i = 0; i + 1 < frames.size(); ++i) {
      EXPECT_EQ(View((*reply)[i]), frames[i]) << what << ": envelope frame " << i;
    }
    auto r = DecodeReply(View(reply->back()));
    if (!r.ok()) {
      ADD_FAILURE() << what << ": undecodable reply: " << r.status().ToString();
      return std::nullopt;
    }
    return *r;
  }

  // One frame in, one error reply out, with the given code and id.
  static void ExpectError(zmq::socket_t& s, const std::string& frame, StatusCode code, uint64_t id,
                          const std::string& what) {
    auto r = Ask(s, {frame}, what + " [" + Describe(frame) + "]");
    if (!r) return;
    EXPECT_EQ(StatusCodeName(r->code), StatusCodeName(code)) << what << ": " << r->message;
    EXPECT_FALSE(r->message.empty()) << what;
    EXPECT_EQ(r->id, id) << what;
    EXPECT_TRUE(r->body.empty()) << what << ": an error reply has a nil body";
  }

  // No forkv process died or was replaced, every seeded key still holds its
  // value, and the write path (both shards) still works.
  void ExpectAliveAndIntact(const std::string& after) {
    SCOPED_TRACE("after " + after);
    EXPECT_EQ(mgr_->pid(), manager_pid_);
    EXPECT_TRUE(IsAlive(manager_pid_));
    EXPECT_EQ(Children(), children_);
    Connection c(ctx_, mgr_->endpoint());
    auto count = c.Count(kStore, kReplyWait);
    ASSERT_TRUE(count.ok()) << count.status().ToString();
    EXPECT_EQ(*count, static_cast<uint64_t>(kSeedKeys));
    for (int i = 0; i < kSeedKeys; ++i) {
      auto v = c.Get(kStore, SeedKey(i), kReplyWait);
      ASSERT_TRUE(v.ok()) << SeedKey(i) << ": " << v.status().ToString();
      EXPECT_TRUE(*v == SeedValue(i)) << SeedKey(i) << " changed";
    }
    for (int i = 0; i < 8; ++i) {  // 8 keys: both shards, with near certainty
      std::string key = "probe" + std::to_string(i);
      ASSERT_TRUE(c.Put(kStore, key, "p", kReplyWait).ok()) << key;
      auto v = c.Get(kStore, key, kReplyWait);
      EXPECT_TRUE(v.ok() && *v == "p") << key;
      EXPECT_TRUE(c.Del(kStore, key, kReplyWait).ok()) << key;
    }
    auto stores = c.CallJson(Op::kStores, "", 0, kReplyWait);
    ASSERT_TRUE(stores.ok()) << stores.status().ToString();
    ASSERT_EQ((*stores)["stores"].size(), 1u) << stores->dump();
    EXPECT_EQ((*stores)["stores"][0].value("name", ""), kStore);
    for (const auto& child : (*stores)["stores"]) {
      EXPECT_EQ(child.value("restarts", -1), store_restarts_);
    }
    for (const auto& child : (*stores)["db_workers"]) {
      EXPECT_EQ(child.value("restarts", -1), 0);
      EXPECT_EQ(child.value("state", ""), "running");
    }
  }

  // ipc endpoints of the manager's internal sockets (docs/protocol.md §10).
  std::string BackendEndpoint() const {
    return "ipc://" + dir_.path() + "/m" + std::to_string(manager_pid_) + "-be.sock";
  }
  std::string DbEndpoint(int shard) const {
    return "ipc://" + dir_.path() + "/m" + std::to_string(manager_pid_) + "-db" +
           std::to_string(shard) + ".sock";
  }

  pid_t manager_pid_ = 0;
  std::vector<pid_t> children_;
  int store_restarts_ = 0;  // restarts the test itself asked for
};

}  // namespace forkv::test::hostile
