// Port rules: port-conflict (two services on one port) and port-privileged (below 1024).
#include <string>
#include <vector>

#include "lint/rules_impl.h"

namespace gantry::lint::detail {
namespace {

struct PortUse {
  const spec::Service* service;
  int port;
  std::string key_path;
  std::string what;  // "port", "host port", "preview port"
};

std::vector<PortUse> collect_ports(const Context& ctx) {
  std::vector<PortUse> uses;
  for (const auto& s : ctx.spec().services) {
    const std::string base = service_path(s);
    if (s.port) uses.push_back({&s, *s.port, base + ".port", "port"});
    for (std::size_t i = 0; i < s.host_ports.size(); ++i) {
      const std::string path =
          ctx.pick_path({base + ".host_ports." + std::to_string(i), base + ".host_ports"});
      uses.push_back({&s, s.host_ports[i], path, "host port"});
    }
    if (s.strategy.kind == spec::StrategyKind::BlueGreen && s.strategy.preview_port) {
      uses.push_back(
          {&s, *s.strategy.preview_port,
           ctx.pick_path({base + ".strategy.blue_green.preview_port", base + ".strategy"}),
           "preview port"});
    }
  }
  return uses;
}

}  // namespace

void check_ports(Context& ctx) {
  const auto uses = collect_ports(ctx);
  for (std::size_t i = 0; i < uses.size(); ++i) {
    const auto& a = uses[i];
    if (a.port < 1024) {
      ctx.add("port-privileged", a.key_path,
              a.key_path + ": " + std::to_string(a.port) +
                  " is a privileged port (below 1024); binding it needs root or "
                  "CAP_NET_BIND_SERVICE",
              "use a port from 1024 up (for example 8080) and put a load balancer in front "
              "if clients need 80/443");
    }
    for (std::size_t j = i + 1; j < uses.size(); ++j) {
      const auto& b = uses[j];
      // A service may publish its own port as a host port too (imported containers).
      if (a.port != b.port || a.service == b.service) continue;
      auto& f =
          ctx.add("port-conflict", a.key_path,
                  a.key_path + ": " + std::to_string(a.port) + " is also used by " +
                      service_path(*b.service) + (b.what == "port" ? "" : " (" + b.what + ")") +
                      " (" + ctx.short_location(b.key_path) + ")",
                  "give " + service_path(*a.service) + " or " + service_path(*b.service) +
                      " another port; only one listener can bind a port");
      f.related.push_back(ctx.where(b.key_path));
    }
  }
}

}  // namespace gantry::lint::detail
