// GET /v1/logs: replica log files read, merged across replicas by time, cut by since / tail,
// and paged forward by an exclusive `after` cursor for follow mode.
#include <algorithm>
#include <set>

#include "api/routes_impl.h"
#include "core/strings.h"
#include "core/timestamp.h"
#include "core/units.h"
#include "runtime/log_pump.h"

namespace gantry::api {

using nlohmann::json;

namespace {

constexpr int kDefaultTail = 200;
constexpr int kMaxTail = 10000;
// A follow page (after= without tail=) returns at most this many lines, the oldest first.
constexpr std::size_t kMaxFollowPage = 10000;
// Follow pages hold back lines younger than this: log pumps of different replicas write their
// files independently, so a line stamped just before we read may land just after. Holding the
// freshest lines back until the next poll keeps the cursor from skipping over them.
constexpr auto kSettle = std::chrono::milliseconds(100);

struct Entry {
  std::int64_t at_ms;
  const std::string* service;
  int replica;
  runtime::LogLine line;
};

}  // namespace

HttpReply serve_logs(daemon::Controller& controller, const Query& query,
                     std::chrono::system_clock::time_point now) {
  using Clock = std::chrono::system_clock;
  if (auto ok = check_params(query, {"service", "replica", "since", "tail", "after"}); !ok) {
    return error_reply(ok.error());
  }
  auto tail = int_param(query, "tail", 0, kMaxTail);
  if (!tail) return error_reply(tail.error());
  auto replica = int_param(query, "replica", 0, 1 << 20);
  if (!replica) return error_reply(replica.error());

  Clock::time_point lower = Clock::time_point::min();
  if (auto it = query.find("since"); it != query.end()) {
    auto d = parse_duration(it->second);
    if (!d || d->count() < 0) {
      return error_reply(400, "bad_request",
                         "since: '" + it->second +
                             "' is not a duration; expected a number with a unit such as 30s, "
                             "5m, 2h or 1h30m");
    }
    lower = now - *d;
  }
  std::optional<std::int64_t> after;
  if (auto it = query.find("after"); it != query.end()) {
    auto ms = parse_timestamp(it->second);
    if (!ms) return error_reply(400, "bad_request", "after: " + ms.error().message);
    after = *ms;
    lower = std::max(lower, Clock::time_point(std::chrono::milliseconds(*after)));
  }

  auto services = controller.services();
  std::string wanted;
  if (auto it = query.find("service"); it != query.end()) wanted = it->second;
  if (wanted.empty() && replica->has_value()) {
    return error_reply(400, "bad_request", "replica: needs a service (service=NAME&replica=N)");
  }
  if (!wanted.empty() && !controller.spec().find_service(wanted)) {
    std::vector<std::string> names;
    for (const auto& s : controller.spec().services) names.push_back(s.name);
    return error_reply(404, "not_found",
                       "no service '" + wanted + "' in this project" + did_you_mean(wanted, names));
  }

  // Replica indices per service: those that run now, and every index up to `desired` (a
  // stopped replica still has its log).
  std::vector<std::pair<std::string, std::set<int>>> sources;
  for (const auto& spec_service : controller.spec().services) {
    if (!wanted.empty() && spec_service.name != wanted) continue;
    std::set<int> indices;
    for (const auto& view : services) {
      if (view.name != spec_service.name) continue;
      for (int i = 0; i < view.desired; ++i) indices.insert(i);
      for (const auto& r : view.replicas) indices.insert(r.index);
    }
    if (replica->has_value()) {
      if (!indices.count(**replica)) {
        std::vector<std::string> have;
        for (int i : indices) have.push_back(std::to_string(i));
        return error_reply(404, "not_found",
                           "service '" + wanted + "' has no replica " + std::to_string(**replica) +
                               (have.empty() ? std::string(" (it has none)")
                                             : " (replicas: " + join(have, ", ") + ")"));
      }
      indices = {**replica};
    }
    sources.emplace_back(spec_service.name, std::move(indices));
  }

  // Follow pages stop short of the freshest lines (see kSettle); other requests read to now.
  const std::int64_t now_ms = to_unix_ms(now);
  const std::int64_t cutoff_ms = after ? now_ms - kSettle.count() : INT64_MAX;
  const bool oldest_first = after && !tail->has_value();
  const std::size_t per_file =
      oldest_first ? SIZE_MAX : static_cast<std::size_t>(tail->value_or(kDefaultTail));

  std::vector<Entry> entries;
  for (const auto& [name, indices] : sources) {
    for (int index : indices) {
      auto lines = runtime::read_log(controller.log_path(name, index), lower, per_file);
      if (!lines) {
        if (lines.error().code == ErrorCode::NotFound) continue;  // no output yet
        return error_reply(lines.error());
      }
      for (auto& line : *lines) {
        const std::int64_t at_ms = to_unix_ms(line.at);
        if (after && at_ms <= *after) continue;
        if (at_ms >= cutoff_ms) continue;
        entries.push_back(Entry{at_ms, &name, index, std::move(line)});
      }
    }
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.at_ms < b.at_ms; });
  std::size_t first = 0;
  std::size_t last = entries.size();
  if (oldest_first) {
    last = std::min(entries.size(), kMaxFollowPage);
  } else {
    const auto keep = static_cast<std::size_t>(tail->value_or(kDefaultTail));
    if (entries.size() > keep) first = entries.size() - keep;
  }

  json lines = json::array();
  for (std::size_t i = first; i < last; ++i) {
    const Entry& e = entries[i];
    lines.push_back(json{{"service", *e.service},
                         {"replica", e.replica},
                         {"at", format_timestamp(e.at_ms)},
                         {"stream", e.line.stream},
                         {"text", e.line.text}});
  }
  // The cursor to pass as `after` next: the last line sent or, when a follow page sent none,
  // the settled horizon (every line before it has been considered).
  std::int64_t cursor = now_ms;
  if (last > first) {
    cursor = entries[last - 1].at_ms;
  } else if (after) {
    cursor = std::max(*after, cutoff_ms - 1);
  }
  return json_reply(200, json{{"lines", std::move(lines)}, {"cursor", format_timestamp(cursor)}});
}

}  // namespace gantry::api
