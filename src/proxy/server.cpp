// ProxyServer: owns the workers and the table holder; what the controller talks to.
#include "proxy/server.h"

#include <fmt/format.h>

#include <cstdlib>
#include <thread>

#include "proxy/worker_impl.h"

namespace gantry::proxy {

namespace {

class ProxyServerImpl final : public ProxyServer {
 public:
  explicit ProxyServerImpl(const ProxyOptions& options) {
    for (int i = 0; i < options.workers; ++i) {
      workers_.push_back(std::make_unique<Worker>(i, options, holder_));
    }
    for (auto& w : workers_) w->start();
  }
  ~ProxyServerImpl() override {
    for (auto& w : workers_) w->stop();
    workers_.clear();
  }

  Result<int> listen(const std::string& service, const std::string& host, int port) override {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) {
      return make_error(
          ErrorCode::Invalid,
          fmt::format("service '{}': '{}' is not an IP address to listen on", service, host));
    }
    if (port < 0 || port > 65535) {
      return make_error(ErrorCode::Invalid,
                        fmt::format("service '{}': port {} is out of range", service, port));
    }
    // The first worker binds (port 0 picks one); the others join the same port.
    int bound = port;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      auto r =
          workers_[i]->listen(service, tcp::endpoint(address, static_cast<unsigned short>(bound)));
      if (!r) {
        for (std::size_t j = 0; j < i; ++j) workers_[j]->close_listener(service);
        return r.error();
      }
      bound = *r;
    }
    return bound;
  }

  void close_listener(const std::string& service) override {
    for (auto& w : workers_) w->close_listener(service);
  }

  void publish(std::shared_ptr<const RoutingTable> table) override {
    holder_.publish(std::move(table));
    for (auto& w : workers_) w->notify_published();
  }

  bool drained(std::string_view service, std::string_view replica_id) const override {
    const auto generation = holder_.generation();
    for (const auto& w : workers_) {
      if (w->seen_generation() < generation) return false;
    }
    return in_flight(service, replica_id) == 0;
  }

  std::uint64_t in_flight(std::string_view service, std::string_view replica_id) const override {
    std::uint64_t total = 0;
    for (const auto& w : workers_) total += w->in_flight(service, replica_id);
    return total;
  }

  std::vector<VersionNumbers> numbers() const override {
    std::map<std::pair<std::string, std::string>, StatsSnapshot> merged;
    for (const auto& w : workers_) w->collect(merged);
    std::vector<VersionNumbers> out;
    out.reserve(merged.size());
    for (auto& [key, snap] : merged) out.push_back({key.first, key.second, std::move(snap)});
    return out;
  }

  int workers() const override { return static_cast<int>(workers_.size()); }

 private:
  TableHolder holder_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

int cores() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace

Result<int> resolve_worker_count(int configured) {
  if (const char* env = std::getenv("GANTRY_PROXY_WORKERS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (*end != '\0' || n < 1 || n > 256) {
      return make_error(ErrorCode::Invalid,
                        fmt::format("GANTRY_PROXY_WORKERS='{}': expected a whole number of "
                                    "proxy workers from 1 to 256",
                                    env));
    }
    return static_cast<int>(n);
  }
  if (configured > 0) return configured;
  return cores();
}

Result<std::unique_ptr<ProxyServer>> ProxyServer::start(ProxyOptions options) {
  if (options.workers == 0) options.workers = cores();
  if (options.workers < 1 || options.workers > 256) {
    return make_error(ErrorCode::Invalid,
                      fmt::format("proxy workers: {} is out of range (1 to 256)", options.workers));
  }
  const auto& t = options.timeouts;
  for (auto [name, value] : {std::pair{"connect", t.connect},
                             {"request_head", t.request_head},
                             {"idle", t.idle},
                             {"upstream_response", t.upstream_response},
                             {"drain", t.drain}}) {
    if (value.count() <= 0) {
      return make_error(ErrorCode::Invalid,
                        fmt::format("proxy time-out '{}' must be positive", name));
    }
  }
  if (options.limits.max_head_bytes < 1024 || options.limits.max_headers < 1 ||
      options.limits.max_uri_bytes < 16) {
    return make_error(ErrorCode::Invalid,
                      "proxy limits: head at least 1024 bytes, 1 header, URI 16 bytes");
  }
  if (options.connect_retries < 0) {
    return make_error(ErrorCode::Invalid, "proxy connect_retries must not be negative");
  }
  return std::unique_ptr<ProxyServer>(std::make_unique<ProxyServerImpl>(options));
}

}  // namespace gantry::proxy
