#include "tests/support/harness.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace forkv::test {

std::optional<Frames> RecvWithin(zmq::socket_t& s, std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) != 1) return std::nullopt;
  Frames frames;
  auto got = RecvFrames(s, &frames, /*wait=*/true);
  if (!got.ok() || !*got) return std::nullopt;
  return frames;
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
}

void BecomeSubreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }

TempDir::TempDir() {
  char tmpl[] = "/tmp/fkv-XXXXXX";
  char* p = mkdtemp(tmpl);
  if (p == nullptr) std::abort();
  path_ = p;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

char ProcessState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  auto close_paren = line.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= line.size()) return 0;
  return line[close_paren + 2];
}

std::string ProcessName(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

bool IsAlive(pid_t pid) {
  char s = ProcessState(pid);
  return s != 0 && s != 'Z' && s != 'X';
}

std::vector<pid_t> LiveChildrenOf(pid_t parent) { return ChildrenOf(parent, false); }

std::vector<pid_t> ChildrenOf(pid_t parent, bool with_zombies) {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(line.substr(close_paren + 2));
    char state;
    pid_t ppid;
    if (!(rest >> state >> ppid)) continue;
    const bool dead = state == 'Z' || state == 'X';
    if (ppid == parent && (with_zombies || !dead)) out.push_back(std::stoi(name));
  }
  return out;
}

void ReapZombies() {
  int st;
  while (waitpid(-1, &st, WNOHANG) > 0) {
  }
}

int FreeTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

std::string BinaryPath(const std::string& name) { return std::string(FORKV_BIN_DIR) + "/" + name; }

namespace {

void ReadAll(int fd, std::string* out) {
  char buf[65536];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

CommandResult RunCommand(const std::string& exe, const std::vector<std::string>& args,
                         const std::string& stdin_data) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    std::abort();
  }
  std::vector<std::string> argv_s = {exe};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Feed stdin from a thread so a large input cannot deadlock against output.
  std::thread feeder([&] {
    size_t off = 0;
    while (off < stdin_data.size()) {
      ssize_t n = write(in_pipe[1], stdin_data.data() + off, stdin_data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(in_pipe[1]);
  });
  CommandResult r;
  std::thread err_reader([&] { ReadAll(err_pipe[0], &r.err); });
  ReadAll(out_pipe[0], &r.out);
  err_reader.join();
  feeder.join();
  close(out_pipe[0]);
  close(err_pipe[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

ManagerProcess::ManagerProcess(std::string dir, std::string endpoint)
    : dir_(std::move(dir)),
      endpoint_(endpoint.empty() ? "ipc://" + dir_ + "/m.sock" : std::move(endpoint)),
      data_dir_(dir_ + "/data"),
      log_path_(dir_ + "/manager.log") {}

ManagerProcess::~ManagerProcess() { KillGroup(); }

bool ManagerProcess::Start(const std::vector<std::string>& extra_args) {
  StartNoWait(extra_args);
  bool up = WaitFor(
      [&] {
        if (!IsAlive(pid_)) return false;
        return Cli({"--timeout", "500", "ping"}).exit_code == 0;
      },
      20s);
  if (!up) std::fprintf(stderr, "manager did not come up; log:\n%s\n", LogTail().c_str());
  return up;
}

void ManagerProcess::StartNoWait(const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {BinaryPath("forkv-manager"),
                                   "--socket",
                                   endpoint_,
                                   "--data-dir",
                                   data_dir_,
                                   "--log-level",
                                   "info"};
  if (init_) args.push_back("--init");
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(111);
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 2);
      dup2(fd, 1);
    }
    for (auto& e : env_) putenv(e.data());
    if (file_limit_ > 0) {
      rlimit rl{static_cast<rlim_t>(file_limit_), static_cast<rlim_t>(file_limit_)};
      setrlimit(RLIMIT_NOFILE, &rl);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;
  setpgid(pid, pid);
}

void ManagerProcess::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

bool ManagerProcess::WaitExit(ExitStatus* status, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return false;
  bool done = false;
  WaitFor(
      [&] {
        int st = 0;
        pid_t r = waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
          *status = DecodeWaitStatus(st);
          done = true;
        }
        return done;
      },
      timeout);
  if (done) pid_ = 0;
  return done;
}

void ManagerProcess::KillGroup() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int st;
    waitpid(pid_, &st, 0);
    pid_ = 0;
  }
  // Orphaned children of a killed manager are re-parented to us (subreaper).
  WaitFor(
      [] {
        ReapZombies();
        return LiveChildrenOf(getpid()).empty();
      },
      5s);
}

std::string ManagerProcess::LogTail(size_t bytes) const {
  std::ifstream in(log_path_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

CommandResult ManagerProcess::Cli(const std::vector<std::string>& args,
                                  const std::string& stdin_data) {
  std::vector<std::string> full = {"--socket", endpoint_};
  full.insert(full.end(), args.begin(), args.end());
  return RunCommand(BinaryPath("forkv"), full, stdin_data);
}

nlohmann::json ManagerProcess::CliJson(const std::vector<std::string>& args) {
  std::vector<std::string> full = {"--json"};
  full.insert(full.end(), args.begin(), args.end());
  CommandResult r = Cli(full);
  try {
    return nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::exception&) {
    return nlohmann::json::object();
  }
}

nlohmann::json ManagerProcess::StoreInfo(const std::string& name) {
  nlohmann::json j = CliJson({"stores", name});  // a page of that store alone
  if (!j.contains("stores")) return nullptr;
  for (const auto& s : j["stores"]) {
    if (s.value("name", "") == name) return s;
  }
  return nullptr;
}

std::vector<pid_t> ManagerProcess::WorkerPids() {
  const pid_t server =
      CliJson({"ping"}).value("spawn_server", nlohmann::json::object()).value("pid", 0);
  std::vector<pid_t> out = LiveChildrenOf(pid_);
  // The spawn server's spares are the manager's children too, not stores.
  std::erase_if(out, [server](pid_t p) { return p == server || ProcessName(p) == "forkv-spare"; });
  return out;
}

pid_t ManagerProcess::StorePid(const std::string& name) {
  nlohmann::json s = StoreInfo(name);
  return s.is_object() ? s.value("pid", 0) : 0;
}

std::vector<pid_t> ManagerProcess::DbPids() {
  std::vector<pid_t> out;
  nlohmann::json j = CliJson({"stores"});
  if (!j.contains("db_workers")) return out;
  for (const auto& d : j["db_workers"]) out.push_back(d.value("pid", 0));
  return out;
}

bool ManagerProcess::WaitStoreRunning(const std::string& name, pid_t old_pid,
                                      std::chrono::milliseconds timeout) {
  return WaitFor(
      [&] {
        nlohmann::json s = StoreInfo(name);
        return s.is_object() && s.value("state", "") == "running" && s.value("pid", 0) != 0 &&
               s.value("pid", 0) != old_pid;
      },
      timeout);
}

void ForkvTest::SetUp() {
  mgr_ = std::make_unique<ManagerProcess>(dir_.path());
  ASSERT_TRUE(mgr_->Start(ManagerArgs()));
}

void ForkvTest::TearDown() {
  if (HasFailure() && mgr_)
    std::fprintf(stderr, "manager log tail:\n%s\n", mgr_->LogTail().c_str());
  mgr_.reset();
}

void ForkvTest::RestartManager(const std::vector<std::string>& extra) {
  mgr_->KillGroup();
  std::vector<std::string> args = ManagerArgs();
  args.insert(args.end(), extra.begin(), extra.end());
  ASSERT_TRUE(mgr_->Start(args));
}

}  // namespace forkv::test
