// The routing model: per service, its versions (weights, replicas), sticky policy and override
// header, as immutable values; TableHolder publishes whole tables to workers without locks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace gantry::proxy {

// One ready upstream process of a version.
struct Replica {
  std::string id;  // unique within its version, e.g. "api-v2-0"
  std::string host;
  int port = 0;
};

// One active version of a service. weight is the share of traffic in percent (0..100).
struct Version {
  std::string name;
  int weight = 0;
  std::vector<Replica> replicas;
};

enum class StickyMode { None, Cookie, Header };

// Where a client's sticky key comes from: a cookie (the proxy sets it when absent) or a header.
struct StickyPolicy {
  StickyMode mode = StickyMode::None;
  std::string name;  // cookie or header name; required unless mode is None
};

// A request header naming the version to use (smoke tests, blue-green preview).
struct OverrideHeader {
  bool enabled = true;
  std::string name = "X-Gantry-Version";
  bool loopback_only = false;  // honour it only from 127.0.0.0/8 and ::1
};

// What the controller hands over; ServiceRoute::make checks it.
struct ServiceRouteSpec {
  std::string service;
  std::vector<Version> versions;
  StickyPolicy sticky;
  OverrideHeader override_header;
};

// A validated, immutable routing entry for one service. Safe to share across threads.
class ServiceRoute {
 public:
  // Checks names (non-empty, unique), weights (0..100, summing to 100), replicas (host, port
  // 1..65535, unique ids), sticky and override names. Errors name the service and versions.
  static Result<ServiceRoute> make(ServiceRouteSpec spec);

  const std::string& service() const { return spec_.service; }
  std::span<const Version> versions() const { return spec_.versions; }
  const StickyPolicy& sticky() const { return spec_.sticky; }
  const OverrideHeader& override_header() const { return spec_.override_header; }

  // Index of the version with this exact name, if any (weight 0 versions included).
  std::optional<std::size_t> find_version(std::string_view name) const;
  // Per-version hash of the name, precomputed for sticky choice (see sticky.h).
  std::uint64_t version_seed(std::size_t index) const { return seeds_[index]; }

 private:
  ServiceRoute() = default;
  ServiceRouteSpec spec_;
  std::vector<std::uint64_t> seeds_;
};

// All services' routes at one moment. Immutable once made; share it as shared_ptr<const>.
class RoutingTable {
 public:
  RoutingTable() = default;  // no services
  // Fails when two routes name the same service.
  static Result<RoutingTable> make(std::vector<ServiceRoute> services);

  // nullptr when the service has no route.
  const ServiceRoute* find(std::string_view service) const;
  std::span<const ServiceRoute> services() const { return services_; }

 private:
  std::vector<ServiceRoute> services_;  // sorted by service name
};

// The one place the controller publishes tables and workers read them. publish() and load()
// may be called from any thread; no reader ever takes a mutex. (libstdc++'s
// atomic<shared_ptr> guards its control-block pointer with a spin bit held for a few
// instructions, and load() bumps a shared reference count; TableCache avoids both per request.)
class TableHolder {
 public:
  TableHolder() : table_(std::make_shared<const RoutingTable>()) {}
  TableHolder(const TableHolder&) = delete;
  TableHolder& operator=(const TableHolder&) = delete;

  // Replaces the current table; readers see either the old or the new one, whole.
  void publish(std::shared_ptr<const RoutingTable> table);
  std::shared_ptr<const RoutingTable> load() const {
    return table_.load(std::memory_order_acquire);
  }
  // Bumped after every publish(); cheap to poll (a read-mostly cache line).
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::shared_ptr<const RoutingTable>> table_;
  std::atomic<std::uint64_t> generation_{0};
};

// A worker's own view of a TableHolder: polls the generation and reloads the shared_ptr only
// when it changed, so the hot path touches no shared reference count. One per worker thread.
class TableCache {
 public:
  explicit TableCache(const TableHolder& holder) : holder_(&holder) { refresh(); }

  // The newest table this worker has seen; valid until the next call to current().
  const RoutingTable& current() {
    if (holder_->generation() != seen_) refresh();
    return *table_;
  }

 private:
  void refresh() {
    seen_ = holder_->generation();  // read before the table: a later publish is seen next time
    table_ = holder_->load();
  }
  const TableHolder* holder_;
  std::shared_ptr<const RoutingTable> table_;
  std::uint64_t seen_ = 0;
};

}  // namespace gantry::proxy
