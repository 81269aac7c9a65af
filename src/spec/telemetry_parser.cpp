// Parsing the top-level api:, metrics: and events: sections (listen addresses, the event
// log). Pure; thread-safe.
#include <arpa/inet.h>

#include "spec/parser_impl.h"

namespace gantry::spec::detail {

namespace {

// "HOST:PORT" with an IP literal host ("[::1]:PORT" for IPv6) and a port 0..65535.
bool is_listen_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned char buf[16];
  if (::inet_pton(AF_INET, host.c_str(), buf) != 1 &&
      ::inet_pton(AF_INET6, host.c_str(), buf) != 1) {
    return false;
  }
  const std::string port = text.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  return std::stoi(port) <= 65535;
}

}  // namespace

Result<std::string> parse_listen_section(Reader& r, const Node& node, const std::string& path) {
  SPEC_TRY(r.map(node, path, {"listen"}));
  const Node* v = node.get("listen");
  if (!v) return r.fail(node, path, "missing required key 'listen' (like 127.0.0.1:8700)");
  const std::string key = join_path(path, "listen");
  std::string address;
  SPEC_ASSIGN(address, r.string(*v, key));
  if (!is_listen_address(address)) {
    return r.fail(*v, key,
                  "'" + address +
                      "' is not HOST:PORT with an IP address; expected like 127.0.0.1:8700, "
                      "0.0.0.0:8700 or [::1]:8700 (port 0 picks a free one)");
  }
  return address;
}

Result<EventLogSettings> parse_event_log(Reader& r, const Node& node) {
  EventLogSettings out;
  SPEC_TRY(r.map(node, "events", {"log"}));
  const Node* log = node.get("log");
  if (!log) return out;
  const std::string path = "events.log";
  if (log->is_scalar()) {
    SPEC_ASSIGN(out.enabled, r.boolean(*log, path));
    return out;
  }
  SPEC_TRY(r.map(*log, path, {"enabled", "file", "max_size", "keep"}));
  if (const Node* v = log->get("enabled")) {
    SPEC_ASSIGN(out.enabled, r.boolean(*v, join_path(path, "enabled")));
  }
  if (const Node* v = log->get("file"))
    SPEC_ASSIGN(out.file, r.string(*v, join_path(path, "file")));
  if (const Node* v = log->get("max_size")) {
    SPEC_ASSIGN(out.max_size, r.size(*v, join_path(path, "max_size")));
    if (out.max_size < 4096) {
      return r.fail(*v, join_path(path, "max_size"), "must be at least 4KiB");
    }
  }
  if (const Node* v = log->get("keep")) {
    long long keep = 0;
    SPEC_ASSIGN(keep, r.integer(*v, join_path(path, "keep"), 1, 100));
    out.keep = static_cast<int>(keep);
  }
  return out;
}

}  // namespace gantry::spec::detail
