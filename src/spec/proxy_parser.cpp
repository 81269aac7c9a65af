// Parsing the top-level proxy: section (workers, listen address, drain timeout, override
// header). Pure; thread-safe.
#include <arpa/inet.h>

#include "core/strings.h"
#include "spec/parser_impl.h"

namespace gantry::spec::detail {
namespace {

using namespace std::chrono_literals;

constexpr Duration kMaxDrain = 24h;

bool is_ip_literal(const std::string& text) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, text.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

Result<OverrideHeaderSettings> parse_override_header(Reader& r, const Node& node,
                                                     const std::string& path) {
  OverrideHeaderSettings h;
  SPEC_TRY(r.map(node, path, {"enabled", "name", "loopback_only"}));
  if (const Node* v = node.get("enabled")) {
    SPEC_ASSIGN(h.enabled, r.boolean(*v, join_path(path, "enabled")));
  }
  if (const Node* v = node.get("name")) {
    const std::string np = join_path(path, "name");
    SPEC_ASSIGN(h.name, r.string(*v, np));
    if (!is_header_name(h.name)) {
      return r.fail(*v, np,
                    "'" + h.name +
                        "' is not a valid header name: use letters, digits and - (like "
                        "X-Gantry-Version)");
    }
  }
  if (const Node* v = node.get("loopback_only")) {
    SPEC_ASSIGN(h.loopback_only, r.boolean(*v, join_path(path, "loopback_only")));
  }
  return h;
}

}  // namespace

// An HTTP field name: one or more tchar (RFC 9110 5.6.2).
bool is_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Result<ProxySettings> parse_proxy(Reader& r, const Node& node) {
  const std::string path = "proxy";
  SPEC_TRY(r.map(node, path,
                 {"workers", "address", "drain_timeout", "hold_timeout", "override_header"}));
  ProxySettings p;
  if (const Node* v = node.get("workers")) {
    long long n = 0;
    SPEC_ASSIGN(n, r.integer(*v, join_path(path, "workers"), 1, 256));
    p.workers = static_cast<int>(n);
  }
  if (const Node* v = node.get("address")) {
    const std::string ap = join_path(path, "address");
    std::string address;
    SPEC_ASSIGN(address, r.string(*v, ap));
    address = std::string(trim(address));
    // [::1] is how a URL writes it; the listener wants the bare literal.
    if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
      address = address.substr(1, address.size() - 2);
    }
    if (!is_ip_literal(address)) {
      return r.fail(*v, ap,
                    "'" + address +
                        "' is not an IP address: use an IPv4 or IPv6 literal like 0.0.0.0 (all "
                        "interfaces), 127.0.0.1 or ::");
    }
    p.address = address;
  }
  if (const Node* v = node.get("drain_timeout")) {
    const std::string dp = join_path(path, "drain_timeout");
    SPEC_ASSIGN(p.drain_timeout, r.duration(*v, dp));
    if (p.drain_timeout <= Duration{0} || p.drain_timeout > kMaxDrain) {
      return r.fail(*v, dp, "must be more than 0 and at most 24h, like 30s");
    }
  }
  if (const Node* v = node.get("hold_timeout")) {
    const std::string hp = join_path(path, "hold_timeout");
    SPEC_ASSIGN(p.hold_timeout, r.duration(*v, hp));
    if (p.hold_timeout < Duration{0} || p.hold_timeout > std::chrono::minutes(10)) {
      return r.fail(*v, hp, "must be from 0 (no holding) to 10m, like 10s");
    }
  }
  if (const Node* v = node.get("override_header")) {
    SPEC_ASSIGN(p.override_header,
                parse_override_header(r, *v, join_path(path, "override_header")));
  }
  return p;
}

}  // namespace gantry::spec::detail
