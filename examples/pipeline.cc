// Many requests in flight from one thread: a Pipeline of puts, then of gets.
// Usage: ./pipeline [STORE] [N]
#include <forkv/client.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  const std::string store = argc > 1 ? argv[1] : "example";
  const int n = argc > 2 ? std::atoi(argv[2]) : 1000;
  forkv::ClientOptions options;  // the default endpoint
  options.timeout = std::chrono::milliseconds(2000);
  forkv::Client client(options);
  forkv::Pipeline p = client.MakePipeline();
  for (int i = 0; i < n; ++i) p.Put(store, "key" + std::to_string(i), std::to_string(i * i));
  int failed = 0;
  for (const auto& o : p.Run()) failed += o.status.ok() ? 0 : 1;
  for (int i = 0; i < n; ++i) p.Get(store, "key" + std::to_string(i));
  auto gets = p.Run();
  for (int i = 0; i < n; ++i) {
    if (!gets[i].status.ok() || gets[i].value != std::to_string(i * i)) ++failed;
  }
  forkv::Result<uint64_t> count = client.Count(store);
  std::printf("%d puts and gets, %d failed; %s holds %llu keys\n", n, failed, store.c_str(),
              count.ok() ? static_cast<unsigned long long>(*count) : 0ULL);
  return failed == 0 && count.ok() ? 0 : 1;
}
