#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "client_cli/commands.h"
#include "shared/runtime.h"

namespace forkv::cli {
namespace {

ParseOutcome Parse(std::vector<std::string> args) {
  std::vector<const char*> argv = {"forkv"};
  for (const auto& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

TEST(CliCommandsTest, PutWithGlobalOptionsBeforeAndAfter) {
  ParseOutcome p =
      Parse({"--socket", "ipc:///tmp/x.sock", "put", "s", "k", "v", "--json", "--timeout", "250"});
  ASSERT_TRUE(p.invocation.has_value()) << p.output.err;
  const Invocation& inv = *p.invocation;
  EXPECT_EQ(inv.endpoint, "ipc:///tmp/x.sock");
  EXPECT_EQ(inv.timeout.count(), 250);
  EXPECT_TRUE(inv.json);
  EXPECT_EQ(inv.request.op, Op::kPut);
  EXPECT_EQ(inv.request.store, "s");
  EXPECT_EQ(inv.request.key, "k");
  EXPECT_EQ(inv.request.value, "v");
  EXPECT_FALSE(inv.value_from_stdin);
}

TEST(CliCommandsTest, StoresPageOptions) {
  ParseOutcome defaults = Parse({"stores"});
  ASSERT_TRUE(defaults.invocation.has_value()) << defaults.output.err;
  EXPECT_EQ(defaults.invocation->request.op, Op::kStores);
  EXPECT_EQ(defaults.invocation->request.arg, kDefaultStoresLimit);
  EXPECT_EQ(defaults.invocation->request.key, "");
  EXPECT_EQ(defaults.invocation->request.value, "");
  EXPECT_FALSE(defaults.invocation->all_pages);

  ParseOutcome p = Parse(
      {"stores", "--limit", "7", "--after", "s09", "--state", "hibernating", "--all", "--json"});
  ASSERT_TRUE(p.invocation.has_value()) << p.output.err;
  const Request& r = p.invocation->request;
  EXPECT_EQ(r.arg, 7u);
  EXPECT_EQ(r.key, "s09");
  EXPECT_EQ(r.value, "hibernating");
  EXPECT_EQ(r.store, "");
  EXPECT_TRUE(p.invocation->all_pages);

  ParseOutcome one = Parse({"stores", "users"});
  ASSERT_TRUE(one.invocation.has_value()) << one.output.err;
  EXPECT_EQ(one.invocation->request.store, "users");
}

TEST(CliCommandsTest, StoresRefusesABadLimitOrState) {
  for (const char* limit : {"0", "10001", "-1", "many"}) {
    ParseOutcome p = Parse({"stores", "--limit", limit});
    EXPECT_FALSE(p.invocation.has_value()) << limit;
    EXPECT_EQ(p.output.exit_code, kExitUsage) << limit;
    EXPECT_NE(p.output.err.find("--limit"), std::string::npos) << p.output.err;
  }
  EXPECT_TRUE(Parse({"stores", "--limit", "10000"}).invocation.has_value());
  ParseOutcome state = Parse({"stores", "--state", "asleep"});
  EXPECT_FALSE(state.invocation.has_value());
  EXPECT_EQ(state.output.exit_code, kExitUsage);
  EXPECT_NE(state.output.err.find("hibernating"), std::string::npos) << state.output.err;
}

TEST(CliCommandsTest, DefaultsAndStdinValue) {
  ParseOutcome p = Parse({"put", "s", "k", "-"});
  ASSERT_TRUE(p.invocation.has_value()) << p.output.err;
  EXPECT_TRUE(p.invocation->value_from_stdin);
  EXPECT_EQ(p.invocation->request.value, "");
  EXPECT_EQ(p.invocation->endpoint, DefaultManagerEndpoint(true));
  EXPECT_EQ(p.invocation->timeout, kDefaultTimeout);
  EXPECT_FALSE(p.invocation->json);
  // "--" lets a value start with a dash.
  ParseOutcome dash = Parse({"put", "s", "k", "--", "-x"});
  ASSERT_TRUE(dash.invocation.has_value()) << dash.output.err;
  EXPECT_EQ(dash.invocation->request.value, "-x");
}

TEST(CliCommandsTest, KeysPrefixAndLimit) {
  ParseOutcome p = Parse({"keys", "s", "--prefix", "user:", "--limit", "10"});
  ASSERT_TRUE(p.invocation.has_value());
  EXPECT_EQ(p.invocation->request.op, Op::kKeys);
  EXPECT_EQ(p.invocation->request.key, "user:");
  EXPECT_EQ(p.invocation->request.arg, 10u);
}

TEST(CliCommandsTest, KillSignals) {
  EXPECT_EQ(Parse({"kill", "s"}).invocation->request.arg, static_cast<uint64_t>(SIGKILL));
  EXPECT_EQ(Parse({"kill", "s", "--signal", "TERM"}).invocation->request.arg,
            static_cast<uint64_t>(SIGTERM));
  EXPECT_EQ(Parse({"kill", "s", "--signal", "9"}).invocation->request.arg, 9u);
  ParseOutcome bad = Parse({"kill", "s", "--signal", "NOPE", "--json"});
  EXPECT_FALSE(bad.invocation.has_value());
  EXPECT_EQ(bad.output.exit_code, kExitUsage);
  EXPECT_NE(bad.output.out.find("\"code\":\"usage\""), std::string::npos);
}

TEST(CliCommandsTest, WaitTimeoutIsTheArg) {
  ParseOutcome p = Parse({"wait", "s", "--up", "--wait-timeout", "1500"});
  ASSERT_TRUE(p.invocation.has_value());
  EXPECT_EQ(p.invocation->request.op, Op::kWait);
  EXPECT_EQ(p.invocation->request.arg, 1500u);
  EXPECT_EQ(Parse({"wait", "s"}).invocation->request.arg,
            static_cast<uint64_t>(kDefaultWaitTimeout.count()));
}

TEST(CliCommandsTest, LocateCreateIsTheArg) {
  ParseOutcome p = Parse({"locate", "s", "--create"});
  ASSERT_TRUE(p.invocation.has_value());
  EXPECT_EQ(p.invocation->request.op, Op::kLocate);
  EXPECT_EQ(p.invocation->request.arg, kLocateCreate);
  EXPECT_EQ(Parse({"locate", "s"}).invocation->request.arg, 0u);
  EXPECT_FALSE(Parse({"locate"}).invocation.has_value());  // STORE is required
}

TEST(CliCommandsTest, EveryCommandMapsToItsOp) {
  EXPECT_EQ(Parse({"ping"}).invocation->request.op, Op::kPing);
  EXPECT_EQ(Parse({"get", "s", "k"}).invocation->request.op, Op::kGet);
  EXPECT_EQ(Parse({"del", "s", "k"}).invocation->request.op, Op::kDel);
  EXPECT_EQ(Parse({"count", "s"}).invocation->request.op, Op::kCount);
  EXPECT_EQ(Parse({"stores"}).invocation->request.op, Op::kStores);
  EXPECT_EQ(Parse({"create", "s"}).invocation->request.op, Op::kCreate);
  EXPECT_EQ(Parse({"drop", "s"}).invocation->request.op, Op::kDrop);
  EXPECT_EQ(Parse({"status"}).invocation->request.op, Op::kStatus);
  EXPECT_EQ(Parse({"restart", "s"}).invocation->request.op, Op::kRestart);
}

TEST(CliCommandsTest, UsageErrorsExitTwo) {
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{},
                                             {"get", "s"},
                                             {"bogus"},
                                             {"ping", "--bogus"},
                                             {"--timeout", "0", "ping"},
                                             {"keys", "s", "--limit", "x"},
                                             {"keys", "s", "--limit", "-1"}}) {
    ParseOutcome p = Parse(args);
    EXPECT_FALSE(p.invocation.has_value());
    EXPECT_EQ(p.output.exit_code, kExitUsage);
    EXPECT_FALSE(p.output.err.empty());
    EXPECT_TRUE(p.output.out.empty());
  }
}

TEST(CliCommandsTest, AMistypedCommandGetsDidYouMean) {
  ParseOutcome p = Parse({"gte", "users", "alice"});
  ASSERT_FALSE(p.invocation.has_value());
  EXPECT_EQ(p.output.exit_code, kExitUsage);
  EXPECT_EQ(p.output.err, "forkv: unknown command 'gte'; did you mean 'get'?\n");
  p = Parse({"--socket", "ipc:///x", "--json", "stors"});  // global options skipped
  EXPECT_EQ(p.output.err, "forkv: unknown command 'stors'; did you mean 'stores'?\n");
  EXPECT_NE(p.output.out.find("did you mean 'stores'?"), std::string::npos);
  p = Parse({"frobnicate"});
  EXPECT_NE(p.output.err.find("unknown command 'frobnicate'; the commands are"), std::string::npos)
      << p.output.err;
  EXPECT_NE(p.output.err.find("get"), std::string::npos);
  // A known command with a bad argument keeps CLI11's own message.
  p = Parse({"get", "s"});
  EXPECT_EQ(p.output.err.find("unknown command"), std::string::npos) << p.output.err;
}

TEST(CliCommandsTest, SubcommandHelpHasAOneLineFooter) {
  ParseOutcome p = Parse({"get", "--help"});
  EXPECT_EQ(p.output.exit_code, 0);
  EXPECT_NE(p.output.out.find("KEY"), std::string::npos);
  EXPECT_EQ(p.output.out.find("Exit codes:"), std::string::npos) << p.output.out;
  EXPECT_NE(p.output.out.find("forkv --help"), std::string::npos) << p.output.out;
  EXPECT_NE(Parse({"--help"}).output.out.find("goes after \"--\""), std::string::npos);
  // And what it says works: a key that looks like an option.
  ParseOutcome dash = Parse({"put", "s", "--", "-key", "-value"});
  ASSERT_TRUE(dash.invocation.has_value()) << dash.output.err;
  EXPECT_EQ(dash.invocation->request.key, "-key");
  EXPECT_EQ(dash.invocation->request.value, "-value");
}

TEST(CliCommandsTest, PutNoCreateSetsItsFlag) {
  EXPECT_EQ(Parse({"put", "s", "k", "v"}).invocation->request.arg, 0u);
  EXPECT_EQ(Parse({"put", "--no-create", "s", "k", "v"}).invocation->request.arg, kPutNoCreate);
}

TEST(CliCommandsTest, DropTakesYes) {
  EXPECT_FALSE(Parse({"drop", "s"}).invocation->yes);
  EXPECT_TRUE(Parse({"drop", "s", "--yes"}).invocation->yes);
  EXPECT_TRUE(Parse({"drop", "-y", "s"}).invocation->yes);
}

TEST(CliCommandsTest, HelpExitsZeroWithExitCodeTable) {
  ParseOutcome p = Parse({"--help"});
  EXPECT_FALSE(p.invocation.has_value());
  EXPECT_EQ(p.output.exit_code, 0);
  EXPECT_NE(p.output.out.find("Exit codes:"), std::string::npos);
  EXPECT_NE(p.output.out.find("wait"), std::string::npos);
}

}  // namespace
}  // namespace forkv::cli
