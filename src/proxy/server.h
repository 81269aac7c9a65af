// The proxy's data plane: N worker threads, each with its own event loop and its own
// SO_REUSEPORT listener per service, forwarding HTTP/1.1 to the replicas of the routing table
// the controller publishes. The controller (another thread) calls the methods below; the
// workers never take a lock on the request path.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "proxy/routing_table.h"
#include "proxy/stats.h"

namespace gantry::proxy {

struct ProxyTimeouts {
  std::chrono::milliseconds connect{5000};             // TCP connect to a replica
  std::chrono::milliseconds request_head{30000};       // a client's request head, once begun
  std::chrono::milliseconds idle{60000};               // a keep-alive client between requests
  std::chrono::milliseconds upstream_response{60000};  // request sent -> response head, and
                                                       // between body reads both ways
  std::chrono::milliseconds drain{30000};  // a removed replica's in-flight and streaming
                                           // connections are closed after this long
};

struct ProxyLimits {
  std::size_t max_head_bytes = 32 * 1024;  // request head; larger gets 431
  std::size_t max_headers = 100;           // header fields; more gets 431
  std::size_t max_uri_bytes = 8 * 1024;    // request target; longer gets 414
};

struct ProxyOptions {
  int workers = 0;  // 0 = the number of cores
  ProxyTimeouts timeouts;
  ProxyLimits limits;
  // Idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) whose connect to a replica
  // failed are tried on another replica of the same version, up to this many more times.
  int connect_retries = 2;
  // Idle keep-alive connections kept per replica per worker.
  std::size_t max_idle_per_replica = 1024;
  // A request whose version has no ready replica waits up to this long for one (a recreate
  // deploy, a restart) before it gets 503. 0 = 503 at once.
  std::chrono::milliseconds hold{0};
};

// One version's merged numbers (all workers).
struct VersionNumbers {
  std::string service;
  std::string version;
  StatsSnapshot stats;
};

class ProxyServer {
 public:
  // Starts the worker threads (no listeners yet). Fails when options are out of range.
  static Result<std::unique_ptr<ProxyServer>> start(ProxyOptions options);
  virtual ~ProxyServer() = default;  // stops the workers, closes every connection

  // Opens a listener for the service on host:port in every worker (SO_REUSEPORT). Port 0
  // picks a free port. Returns the bound port. A second listen() for the same service fails.
  // Requests for a service without a route (or whose version has no replica) get 503.
  virtual Result<int> listen(const std::string& service, const std::string& host, int port) = 0;
  // Stops accepting for the service; open connections finish their current request.
  virtual void close_listener(const std::string& service) = 0;

  // Replaces the whole routing table. Replicas missing from the new table are drained: no new
  // requests; in-flight ones complete; their idle pooled connections close; upgraded
  // (WebSocket) and streaming connections are closed after timeouts.drain.
  virtual void publish(std::shared_ptr<const RoutingTable> table) = 0;

  // True once every worker has seen the newest published table and no request or tunnel to
  // this replica is open in any worker: safe to stop its process.
  virtual bool drained(std::string_view service, std::string_view replica_id) const = 0;
  // Requests (and tunnels) to this replica open right now, over all workers.
  virtual std::uint64_t in_flight(std::string_view service, std::string_view replica_id) const = 0;

  // Cumulative numbers per service and version, merged over workers (any thread).
  virtual std::vector<VersionNumbers> numbers() const = 0;

  virtual int workers() const = 0;
};

// The worker count from GANTRY_PROXY_WORKERS when set (1..256), else `configured` when > 0,
// else the number of cores. An invalid variable is an error naming it.
Result<int> resolve_worker_count(int configured);

}  // namespace gantry::proxy
