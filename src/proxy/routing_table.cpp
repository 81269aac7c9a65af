// Validation of routes and the table; publishing through TableHolder.
#include "proxy/routing_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <utility>

#include "proxy/sticky.h"

namespace gantry::proxy {
namespace {

Error invalid(const std::string& service, const std::string& message) {
  return make_error(ErrorCode::Invalid, fmt::format("service '{}': {}", service, message), {},
                    fmt::format("routes.{}", service));
}

Status check_version(const std::string& service, const Version& v) {
  if (v.name.empty()) return invalid(service, "a version has an empty name");
  if (v.weight < 0 || v.weight > 100) {
    return invalid(service,
                   fmt::format("version '{}': weight {} is outside 0..100", v.name, v.weight));
  }
  std::set<std::string_view> ids;
  for (const auto& r : v.replicas) {
    if (r.host.empty()) {
      return invalid(service, fmt::format("version '{}': replica '{}' has no host", v.name, r.id));
    }
    if (r.port < 1 || r.port > 65535) {
      return invalid(service, fmt::format("version '{}': replica '{}' port {} is outside 1..65535",
                                          v.name, r.id, r.port));
    }
    if (!ids.insert(r.id).second) {
      return invalid(service,
                     fmt::format("version '{}': replica id '{}' appears twice", v.name, r.id));
    }
  }
  return {};
}

}  // namespace

Result<ServiceRoute> ServiceRoute::make(ServiceRouteSpec spec) {
  if (spec.service.empty()) {
    return make_error(ErrorCode::Invalid, "a route has an empty service name");
  }
  const auto& service = spec.service;
  if (spec.versions.empty()) return invalid(service, "no versions; at least one is required");
  std::set<std::string_view> names;
  int sum = 0;
  std::string listing;
  for (const auto& v : spec.versions) {
    if (auto ok = check_version(service, v); !ok) return ok.error();
    if (!names.insert(v.name).second) {
      return invalid(service, fmt::format("version '{}' appears twice", v.name));
    }
    sum += v.weight;
    listing += fmt::format("{}{}={}", listing.empty() ? "" : ", ", v.name, v.weight);
  }
  if (sum != 100) {
    return invalid(service,
                   fmt::format("version weights must sum to 100, got {} ({})", sum, listing));
  }
  if (spec.sticky.mode != StickyMode::None && spec.sticky.name.empty()) {
    return invalid(service, "sticky policy needs a cookie or header name");
  }
  if (spec.override_header.enabled && spec.override_header.name.empty()) {
    return invalid(service, "override header is enabled but has no name");
  }
  ServiceRoute route;
  route.seeds_.reserve(spec.versions.size());
  for (const auto& v : spec.versions) route.seeds_.push_back(sticky_hash(v.name));
  route.spec_ = std::move(spec);
  return route;
}

std::optional<std::size_t> ServiceRoute::find_version(std::string_view name) const {
  for (std::size_t i = 0; i < spec_.versions.size(); ++i) {
    if (spec_.versions[i].name == name) return i;
  }
  return std::nullopt;
}

Result<RoutingTable> RoutingTable::make(std::vector<ServiceRoute> services) {
  std::sort(services.begin(), services.end(),
            [](const ServiceRoute& a, const ServiceRoute& b) { return a.service() < b.service(); });
  for (std::size_t i = 1; i < services.size(); ++i) {
    if (services[i].service() == services[i - 1].service()) {
      return make_error(ErrorCode::Conflict,
                        fmt::format("service '{}' has two routes", services[i].service()));
    }
  }
  RoutingTable table;
  table.services_ = std::move(services);
  return table;
}

const ServiceRoute* RoutingTable::find(std::string_view service) const {
  auto it = std::lower_bound(
      services_.begin(), services_.end(), service,
      [](const ServiceRoute& r, std::string_view name) { return r.service() < name; });
  if (it == services_.end() || it->service() != service) return nullptr;
  return &*it;
}

void TableHolder::publish(std::shared_ptr<const RoutingTable> table) {
  if (!table) table = std::make_shared<const RoutingTable>();
  table_.store(std::move(table), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace gantry::proxy
