// The weighted split through the real data path: one proxy worker, two tiny upstreams as
// versions v1/v2 weighted 90/10, 100,000 keep-alive requests without a sticky key. Reports the
// share that reached v2, whether it is within ±1 % of 10 %, and requests per second.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "proxy/routing_table.h"
#include "proxy/server.h"

namespace {

using namespace gantry::proxy;

constexpr int kRequests = 100'000;
constexpr int kClients = 4;

void no_delay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Answers every request head (bodiless GETs) with a fixed 200 naming its version; a thread per
// connection, blocking sockets.
class TinyUpstream {
 public:
  explicit TinyUpstream(std::string version)
      : response_("HTTP/1.1 200 OK\r\nX-Version: " + version + "\r\nContent-Length: 2\r\n\r\nok") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 128) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~TinyUpstream() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    acceptor_.join();
    {
      std::lock_guard lock(mu_);
      for (int c : conns_) ::shutdown(c, SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  void accept_loop() {
    while (!stop_) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      no_delay(c);
      std::lock_guard lock(mu_);
      conns_.push_back(c);
      threads_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    std::string in, out;
    char buf[16384];
    while (true) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
      std::size_t at;
      while ((at = in.find("\r\n\r\n")) != std::string::npos) {
        in.erase(0, at + 4);
        out += response_;
      }
      if (!out.empty() && ::send(c, out.data(), out.size(), MSG_NOSIGNAL) != ssize_t(out.size())) {
        break;
      }
      out.clear();
    }
    ::shutdown(c, SHUT_RDWR);
  }

  std::string response_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> conns_;
  std::vector<std::thread> threads_;
};

// Sends `n` GETs one after the other on one keep-alive connection; counts answers from v2 and
// anything that was not a 200.
void run_client(int port, int n, std::atomic<int>& v2, std::atomic<int>& failed) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    failed += n;
    ::close(fd);
    return;
  }
  no_delay(fd);
  const std::string request = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
  std::string in;
  char buf[16384];
  int mine = 0, bad = 0;
  for (int i = 0; i < n; ++i) {
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size())) {
      bad += n - i;
      break;
    }
    // One response: the head, then Content-Length bytes.
    std::size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
      if (got <= 0) break;
      in.append(buf, static_cast<std::size_t>(got));
    }
    if (head_end == std::string::npos) {
      bad += n - i;
      break;
    }
    const std::string_view head(in.data(), head_end);
    std::size_t length = 0;
    for (const char* name : {"Content-Length: ", "content-length: "}) {
      if (auto at = head.find(name); at != std::string_view::npos) {
        length = std::strtoul(in.c_str() + at + std::strlen(name), nullptr, 10);
      }
    }
    const bool ok = head.substr(0, 12) == "HTTP/1.1 200";
    const bool from_v2 = head.find("X-Version: v2") != std::string_view::npos;
    while (in.size() < head_end + 4 + length) {
      const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
      if (got <= 0) break;
      in.append(buf, static_cast<std::size_t>(got));
    }
    in.erase(0, std::min(in.size(), head_end + 4 + length));
    if (!ok) ++bad;
    if (ok && from_v2) ++mine;
  }
  ::close(fd);
  v2 += mine;
  failed += bad;
}

void BM_ProxyWeightedSplit90To10(benchmark::State& state) {
  TinyUpstream v1("v1"), v2("v2");
  ProxyOptions options;
  options.workers = 1;
  auto server = ProxyServer::start(options);
  if (!server) {
    state.SkipWithError(server.error().str().c_str());
    return;
  }
  auto port = (*server)->listen("bench", "127.0.0.1", 0);
  if (!port) {
    state.SkipWithError(port.error().str().c_str());
    return;
  }
  ServiceRouteSpec spec;
  spec.service = "bench";
  spec.versions = {{"v1", 90, {{"bench-v1-0", "127.0.0.1", v1.port()}}},
                   {"v2", 10, {{"bench-v2-0", "127.0.0.1", v2.port()}}}};
  auto route = ServiceRoute::make(spec);
  auto table = route ? RoutingTable::make({std::move(route).value()})
                     : gantry::Result<RoutingTable>(route.error());
  if (!table) {
    state.SkipWithError(table.error().str().c_str());
    return;
  }
  (*server)->publish(std::make_shared<const RoutingTable>(std::move(table).value()));

  std::atomic<int> on_v2{0}, failed{0};
  double seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back(run_client, *port, kRequests / kClients, std::ref(on_v2),
                           std::ref(failed));
    }
    for (auto& t : clients) t.join();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const int answered = kRequests - failed.load();
  const double share = answered > 0 ? 100.0 * on_v2.load() / answered : 0;
  state.counters["requests"] = kRequests;
  state.counters["failed"] = failed.load();
  state.counters["v2_share_pct"] = share;
  state.counters["within_1pct"] = failed.load() == 0 && std::fabs(share - 10.0) <= 1.0 ? 1 : 0;
  state.counters["requests_per_s"] = seconds > 0 ? kRequests / seconds : 0;
}
BENCHMARK(BM_ProxyWeightedSplit90To10)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
