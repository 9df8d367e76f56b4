#include "tests/chaos/chaos_cluster.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace forkv::chaos {
namespace {

using namespace std::chrono_literals;

std::string EnvName(const std::string& entry) { return entry.substr(0, entry.find('=')); }

void AppendToLog(int fd, const std::string& line) {
  if (fd < 0) return;
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  std::string text = std::string("[") + stamp + "] [forkv-chaos] " + line + "\n";
  ssize_t n = write(fd, text.data(), text.size());
  (void)n;  // best effort: the log is for humans
}

}  // namespace

char ProcessState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  auto close_paren = line.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= line.size()) return 0;
  return line[close_paren + 2];
}

std::vector<pid_t> LiveChildren() {
  const pid_t self = getpid();
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(line.substr(close_paren + 2));
    char state = 0;
    pid_t ppid = 0;
    if (!(rest >> state >> ppid)) continue;
    if (ppid == self && state != 'Z' && state != 'X') out.push_back(std::stoi(name));
  }
  return out;
}

ManagerUnderTest::ManagerUnderTest(std::string manager_exe, std::string dir,
                                   std::vector<std::string> args)
    : exe_(std::move(manager_exe)),
      dir_(std::move(dir)),
      endpoint_("ipc://" + dir_ + "/m.sock"),
      data_dir_(dir_ + "/data"),
      log_path_(dir_ + "/manager.log"),
      args_(std::move(args)) {}

ManagerUnderTest::~ManagerUnderTest() { KillEverything(); }

Status ManagerUnderTest::BecomeSubreaper() {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    return Status::Internal(std::string("prctl(PR_SET_CHILD_SUBREAPER): ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status ManagerUnderTest::Start(const std::vector<std::string>& env) {
  if (pid_ > 0) return Status::InvalidArgument("a manager is already running");
  // Everything the child needs is built here: after fork() only
  // async-signal-safe calls are allowed (other threads may hold locks).
  std::vector<std::string> argv_s = {exe_,      "--socket", endpoint_,     "--data-dir",
                                     data_dir_, "--init",   "--log-level", "info"};
  argv_s.insert(argv_s.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  // Our environment minus FORKV_KILL_POINT (only `env` may set one) and
  // minus the names `env` overrides.
  std::vector<std::string> env_s;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    std::string name = EnvName(entry);
    bool overridden = name == "FORKV_KILL_POINT" || name == "NOTIFY_SOCKET";
    for (const auto& mine : env) overridden = overridden || EnvName(mine) == name;
    if (!overridden) env_s.push_back(std::move(entry));
  }
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);

  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  std::string note = "starting forkv-manager";
  for (const auto& e : env) note += " " + e;
  AppendToLog(log_fd, note);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    if (log_fd >= 0) close(log_fd);
    return Status::Internal(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(kExitSystem);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    if (log_fd >= 0) {
      dup2(log_fd, 1);
      dup2(log_fd, 2);
    }
    // zmq sockets and pipes of the harness must not leak into the manager.
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  setpgid(pid, pid);  // from both sides: the group exists before either goes on
  if (log_fd >= 0) close(log_fd);
  pid_ = pid;
  last_exit_.reset();
  return Status::Ok();
}

void ManagerUnderTest::KillManager() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int st = 0;
  if (waitpid(pid_, &st, 0) == pid_) last_exit_ = DecodeWaitStatus(st);
  pid_ = 0;
}

void ManagerUnderTest::KillGroup() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGKILL);
  KillManager();
}

std::optional<ExitStatus> ManagerUnderTest::Stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      last_exit_ = DecodeWaitStatus(st);
      pid_ = 0;
      return last_exit_;
    }
    std::this_thread::sleep_for(10ms);
  }
  return std::nullopt;
}

bool ManagerUnderTest::KillEverything(std::chrono::milliseconds timeout) {
  KillGroup();
  // Whatever is left are orphans re-parented to us (we are a subreaper):
  // database workers of earlier managers that were still flushing.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    Reap();
    std::vector<pid_t> left = LiveChildren();
    if (left.empty()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    for (pid_t p : left) kill(p, SIGKILL);
    std::this_thread::sleep_for(10ms);
  }
}

void ManagerUnderTest::Reap() {
  for (const ReapedChild& child : ReapChildren()) {
    if (child.pid == pid_) {
      last_exit_ = child.status;
      pid_ = 0;
    }
  }
}

}  // namespace forkv::chaos
