// What `make install` ships beside the binaries (issue 15): the man pages,
// the configuration file and the bash completion, each checked against the
// binaries' own --help so none of them falls behind; and --data-dir's
// typo safety (--init). The DESTDIR install and a start as the unit does
// are tests/install/service_test.sh.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/support/harness.h"

namespace forkv::test {
namespace {

std::string ReadSourceFile(const std::string& rel) {
  std::ifstream in(std::string(FORKV_SOURCE_DIR) + "/" + rel);
  EXPECT_TRUE(in.good()) << rel;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// roff's "\-" is a dash.
std::string Unroff(std::string text) {
  for (size_t at; (at = text.find("\\-")) != std::string::npos;) text.replace(at, 2, "-");
  return text;
}

// The long options of a --help text ("--data-dir", "--no-spawn-server").
std::set<std::string> LongOptions(const std::string& help) {
  std::set<std::string> out;
  std::istringstream in(help);
  static const std::regex option("(^|[ ,])(--[a-z][a-z0-9-]*)");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  -", 0) != 0) continue;  // option lines only, not descriptions
    std::string head = line.substr(0, line.find("  ", 2));
    for (std::sregex_iterator it(head.begin(), head.end(), option), end; it != end; ++it) {
      out.insert((*it)[2]);
    }
  }
  return out;
}

// The subcommands listed by `forkv --help`.
std::vector<std::string> CliCommands() {
  CommandResult r = RunCommand(BinaryPath("forkv"), {"--help"});
  std::vector<std::string> out;
  std::istringstream in(r.out);
  bool in_list = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "Subcommands:") {
      in_list = true;
    } else if (in_list && line.empty()) {
      break;
    } else if (in_list) {
      std::istringstream words(line);
      std::string name;
      words >> name;
      out.push_back(name);
    }
  }
  return out;
}

TEST(PackagingTest, TheManagerManPageNamesEveryOption) {
  CommandResult help = RunCommand(BinaryPath("forkv-manager"), {"--help"});
  ASSERT_EQ(help.exit_code, 0);
  std::set<std::string> options = LongOptions(help.out);
  ASSERT_GT(options.size(), 30u) << help.out;
  ASSERT_TRUE(options.count("--data-dir") && options.count("--no-spawn-server"));
  const std::string page = Unroff(ReadSourceFile("docs/man/forkv-manager.8"));
  for (const std::string& o : options) {
    if (o == "--help") continue;
    EXPECT_NE(page.find(o), std::string::npos) << "forkv-manager.8 does not describe " << o;
  }
}

TEST(PackagingTest, TheCliManPageNamesEveryCommandAndOption) {
  const std::vector<std::string> commands = CliCommands();
  ASSERT_GE(commands.size(), 14u);
  const std::string page = Unroff(ReadSourceFile("docs/man/forkv.1"));
  for (const std::string& c : commands) {
    // Each command is a tagged paragraph of its own: ".BI put " or ".B status".
    EXPECT_TRUE(std::regex_search(page, std::regex("\n\\.BR? ?I? ?" + c + "( |\n)")))
        << "forkv.1 has no paragraph for " << c;
    CommandResult sub = RunCommand(BinaryPath("forkv"), {c, "--help"});
    for (const std::string& o : LongOptions(sub.out)) {
      if (o == "--help") continue;
      EXPECT_NE(page.find(o), std::string::npos) << "forkv.1 does not describe " << c << " " << o;
    }
  }
}

// packaging/forkv.conf lists every option the unit's ExecStart leaves to
// it, commented out with its default; uncommented, the file is accepted.
TEST(PackagingTest, TheConfigFileListsEveryOptionAndParses) {
  CommandResult help = RunCommand(BinaryPath("forkv-manager"), {"--help"});
  std::set<std::string> expected = LongOptions(help.out);
  for (const char* not_in_file :
       {"--help", "--version", "--config", "--socket", "--socket-mode", "--data-dir", "--init",
        "--repair", "--restore", "--no-spawn-server"}) {
    expected.erase(not_in_file);
  }
  const std::string conf = ReadSourceFile("packaging/forkv.conf");
  std::istringstream in(conf);
  std::set<std::string> listed;
  std::string uncommented;
  static const std::regex setting("^# ([a-z][a-z0-9-]*) = (.+)$");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, setting)) continue;
    listed.insert("--" + m[1].str());
    uncommented += m[1].str() + " = " + m[2].str() + "\n";
  }
  for (const std::string& o : expected) {
    EXPECT_TRUE(listed.count(o)) << "packaging/forkv.conf does not list " << o;
  }
  TempDir dir;
  const std::string path = dir.path() + "/forkv.conf";
  std::ofstream(path) << uncommented;
  // Accepted: the start gets past the options and stops at the data
  // directory, which does not exist (125, not 100).
  CommandResult r = RunCommand(BinaryPath("forkv-manager"),
                               {"--config", path, "--socket", "ipc://" + dir.path() + "/m.sock",
                                "--data-dir", dir.path() + "/missing"});
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  // A misspelt name is refused with exit 100.
  std::ofstream(path) << "log-levle = \"warn\"\n";
  r = RunCommand(BinaryPath("forkv-manager"), {"--config", path, "--data-dir", dir.path()});
  EXPECT_EQ(r.exit_code, 100) << r.err;
  EXPECT_NE(r.err.find("log-levle"), std::string::npos) << r.err;
  // The command line wins over the file.
  std::ofstream(path) << "db-workers = 99\n";
  r = RunCommand(BinaryPath("forkv-manager"),
                 {"--config", path, "--db-workers", "2", "--data-dir", dir.path() + "/missing"});
  EXPECT_EQ(r.exit_code, 125) << r.err;
  r = RunCommand(BinaryPath("forkv-manager"), {"--config", path, "--data-dir", dir.path()});
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_NE(r.err.find("--db-workers must be 1..64"), std::string::npos) << r.err;
}

// COMPREPLY of the installed completion for `words` (the last is the one
// being completed), with this build's forkv first on PATH.
std::vector<std::string> Complete(const std::vector<std::string>& words) {
  std::string array;
  for (const std::string& w : words) array += " '" + w + "'";
  const std::string script = "export PATH='" + std::string(FORKV_BIN_DIR) + "':$PATH; source '" +
                             FORKV_SOURCE_DIR + "/packaging/forkv.bash-completion'; COMP_WORDS=(" +
                             array + "); COMP_CWORD=" + std::to_string(words.size() - 1) +
                             "; _forkv; printf '%s\\n' \"${COMPREPLY[@]}\"";
  CommandResult r = RunCommand("/bin/bash", {"--norc", "-c", script});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

TEST(PackagingTest, BashCompletionKnowsEveryCommand) {
  for (const std::string& c : CliCommands()) {
    std::vector<std::string> got = Complete({"forkv", c.substr(0, c.size() - 1)});
    EXPECT_NE(std::find(got.begin(), got.end(), c), got.end()) << "completion misses " << c;
  }
  EXPECT_EQ(Complete({"forkv", "--js"}), std::vector<std::string>{"--json"});
  EXPECT_EQ(Complete({"forkv", "drop", "s", "--y"}), std::vector<std::string>{"--yes"});
  EXPECT_EQ(Complete({"forkv", "stores", "--state", "hib"}),
            std::vector<std::string>{"hibernating"});
}

TEST(PackagingTest, BashCompletionAsksTheManagerForStoreNames) {
  TempDir dir;
  ManagerProcess mgr(dir.path());
  ASSERT_TRUE(mgr.Start());
  for (const char* name : {"users", "usual", "other"}) {
    ASSERT_EQ(mgr.Cli({"create", name}).exit_code, 0);
  }
  EXPECT_EQ(Complete({"forkv", "--socket", mgr.endpoint(), "get", "us"}),
            (std::vector<std::string>{"users", "usual"}));
  // The second positional is a key: no store names there.
  EXPECT_EQ(Complete({"forkv", "--socket", mgr.endpoint(), "get", "users", "us"}),
            std::vector<std::string>{});
}

TEST(PackagingTest, AMissingDataDirIsCreatedOnlyWithInit) {
  TempDir dir;
  ManagerProcess mgr(dir.path());
  mgr.SetInit(false);
  mgr.StartNoWait();
  ExitStatus status;
  ASSERT_TRUE(mgr.WaitExit(&status));
  EXPECT_TRUE(!status.signaled && status.code == 125) << mgr.LogTail();
  EXPECT_NE(mgr.LogTail().find("pass --init"), std::string::npos) << mgr.LogTail();
  struct stat st;
  EXPECT_NE(stat(mgr.data_dir().c_str(), &st), 0) << "the mistyped directory was created";
  // An existing, empty directory is initialised without --init.
  ASSERT_EQ(mkdir(mgr.data_dir().c_str(), 0700), 0);
  ASSERT_TRUE(mgr.Start()) << mgr.LogTail();
  EXPECT_EQ(mgr.Cli({"put", "s", "k", "v"}).exit_code, 0);
  EXPECT_EQ(stat((mgr.data_dir() + "/FORMAT").c_str(), &st), 0);
}

}  // namespace
}  // namespace forkv::test
