// What an operator sees (issue 15): --version on every binary, a
// configuration error's exit code (one the unit does not restart on), and
// logs in journald's format when stderr is the journal's stream.
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "shared/proc.h"
#include "shared/version.h"
#include "tests/support/harness.h"

namespace forkv::test {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

TEST(OperatorTest, EveryBinaryHasVersion) {
  for (const char* name : {"forkv", "forkv-manager", "forkv-store", "forkv-db", "forkv-http"}) {
    CommandResult r = RunCommand(BinaryPath(name), {"--version"});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_EQ(r.out, std::string(name) + " " + kForkvVersion + "\n") << name;
  }
  EXPECT_TRUE(std::regex_match(std::string(kForkvVersion), std::regex("[0-9]+\\.[0-9]+\\.[0-9]+")))
      << kForkvVersion;
}

// The unit's RestartPreventExitStatus, read from the unit CMake configured.
std::vector<int> UnitRestartPreventExitStatus() {
  std::ifstream in(std::string(FORKV_BUILD_DIR) + "/packaging/test/forkv.service");
  std::vector<int> codes;
  for (std::string line; std::getline(in, line);) {
    const std::string key = "RestartPreventExitStatus=";
    if (line.rfind(key, 0) != 0) continue;
    std::istringstream values(line.substr(key.size()));
    for (int code; values >> code;) codes.push_back(code);
  }
  return codes;
}

TEST(OperatorTest, ConfigurationErrorsExitWithACodeTheUnitDoesNotRestartOn) {
  const std::vector<int> no_restart = UnitRestartPreventExitStatus();
  ASSERT_FALSE(no_restart.empty());
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const std::string sock = "ipc://" + dir.path() + "/m.sock";
  const std::vector<std::vector<std::string>> bad = {
      {"--no-such-flag"},       {"--db-workers", "abc"},    {"--log-level", "verbose"},
      {"--fsync", "sometimes"}, {"--idle-timeout", "soon"}, {"--max-stores", "0"},
  };
  for (const auto& args : bad) {
    std::vector<std::string> full = {"--socket", sock, "--data-dir", data};
    full.insert(full.end(), args.begin(), args.end());
    CommandResult r = RunCommand(BinaryPath("forkv-manager"), full);
    EXPECT_NE(std::find(no_restart.begin(), no_restart.end(), r.exit_code), no_restart.end())
        << args[0] << " exited " << r.exit_code << ": " << r.err;
    EXPECT_NE(r.err, "") << args[0] << ": no word of what is wrong";
  }
  // Nothing was started or written for a bad configuration.
  struct stat st;
  EXPECT_NE(stat((data + "/FORMAT").c_str(), &st), 0);
}

// A manager whose stderr is `log`, told by $JOURNAL_STREAM whether that
// is the journal.
class JournalLogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { BecomeSubreaper(); }

  std::string StartWith(const std::string& journal_stream) {
    mgr_ = std::make_unique<ManagerProcess>(dir_.path());
    std::ofstream(dir_.path() + "/manager.log").flush();  // the file the manager's stderr is
    struct stat st;
    EXPECT_EQ(stat((dir_.path() + "/manager.log").c_str(), &st), 0);
    std::string value = journal_stream.empty()
                            ? std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)
                            : journal_stream;
    mgr_->SetEnv("JOURNAL_STREAM", value);
    EXPECT_TRUE(mgr_->Start());
    return value;
  }

  TempDir dir_;
  std::unique_ptr<ManagerProcess> mgr_;
};

TEST_F(JournalLogTest, PriorityPrefixesAndNoTimestampWhenStderrIsTheJournal) {
  StartWith("");
  ASSERT_EQ(mgr_->Cli({"put", "s", "k", "v"}).exit_code, 0);
  pid_t store = mgr_->StorePid("s");
  ASSERT_GT(store, 0);
  ASSERT_EQ(kill(store, SIGKILL), 0);  // the manager logs it as an error
  ASSERT_TRUE(mgr_->WaitStoreRunning("s", store));
  const std::vector<std::string> lines = Lines(mgr_->LogTail(1 << 20));
  ASSERT_FALSE(lines.empty());
  const std::regex journal_line("<[0-7]>\\[forkv-[a-z]+ [0-9]+\\] .+");
  bool info = false, error = false;
  for (const std::string& line : lines) {
    EXPECT_TRUE(std::regex_match(line, journal_line)) << line;
    if (line.rfind("<6>[forkv-manager ", 0) == 0) info = true;
    if (line.rfind("<3>[forkv-manager ", 0) == 0 &&
        line.find("killed by signal 9") != std::string::npos) {
      error = true;
    }
  }
  EXPECT_TRUE(info) << "no info line from the manager";
  EXPECT_TRUE(error) << "the store's SIGKILL is not an error line";
}

TEST_F(JournalLogTest, JsonLogsFromEveryProcess) {
  mgr_ = std::make_unique<ManagerProcess>(dir_.path());
  ASSERT_TRUE(mgr_->Start({"--log-format", "json"}));
  ASSERT_EQ(mgr_->Cli({"put", "s", "k", "v"}).exit_code, 0);
  pid_t store = mgr_->StorePid("s");
  ASSERT_GT(store, 0);
  ASSERT_EQ(kill(store, SIGKILL), 0);
  ASSERT_TRUE(mgr_->WaitStoreRunning("s", store));
  const std::vector<std::string> lines = Lines(mgr_->LogTail(1 << 20));
  ASSERT_FALSE(lines.empty());
  std::set<std::string> processes;
  bool error = false;
  for (const std::string& line : lines) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(j.is_object()) << "not one JSON object: " << line;
    EXPECT_TRUE(std::regex_match(j.value("time", ""),
                                 std::regex("20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z")))
        << line;
    EXPECT_TRUE(j["pid"].is_number_integer()) << line;
    EXPECT_FALSE(j.value("message", "").empty()) << line;
    processes.insert(j.value("process", ""));
    if (j.value("level", "") == "error" &&
        j.value("message", "").find("killed by signal 9") != std::string::npos) {
      error = true;
    }
  }
  EXPECT_TRUE(processes.count("forkv-manager") && processes.count("forkv-db") &&
              processes.count("forkv-store"))
      << "lines from " << processes.size() << " kinds of process only";
  EXPECT_TRUE(error) << "the store's SIGKILL is not an error line";
}

TEST_F(JournalLogTest, StderrRedirectedElsewhereKeepsThePlainFormat) {
  StartWith("1:1");  // a journal stream, but not the file stderr is
  const std::vector<std::string> lines = Lines(mgr_->LogTail(1 << 20));
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    EXPECT_TRUE(std::regex_search(line, std::regex("^\\[20[0-9-]+ [0-9:.]+\\] \\[forkv-"))) << line;
  }
}

}  // namespace
}  // namespace forkv::test
