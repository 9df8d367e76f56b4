// forkv-store --spawn-server FD --parent-pid PID [--log-level L]: the
// spawn server (a zygote). The manager execs it once; it has loaded the
// store's libraries but creates no ZeroMQ context and no thread, and forks
// a store for each request, which then runs StoreMain() in-process: no
// exec, no dynamic loading, the library pages shared copy-on-write.
//
// Protocol on FD: shared/spawn_protocol.h. End of file (the manager closed
// its end, or died): exit 0.
//
// Each store is made by a double fork: the server forks an intermediate
// child, which forks the store, sends its pid back through a pipe and
// exits; the store is then reparented to the manager, which is a child
// subreaper (PR_SET_CHILD_SUBREAPER), so the manager gets its SIGCHLD and
// reaps it like any child. glibc's own fork() keeps the store's thread
// state right (a raw clone(CLONE_PARENT) would leave the server's thread id
// in it). The store waits until its parent is the manager before it asks
// for its death signal (StartWorker), so a manager that dies first is seen.
#pragma once

namespace forkv {

// argv = {"forkv-store", "--spawn-server", FD, ...}. Returns the exit code.
int SpawnServerMain(int argc, char** argv);

}  // namespace forkv
