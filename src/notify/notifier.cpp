// The Notifier (notify.h): its own thread moves events past the store's "notify" cursor into
// the outbox (enqueue and cursor in one transaction per batch), then delivers what is due,
// retrying with backoff until max_age, when it gives up and records notification.failed.
#include <algorithm>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "notify/notify.h"
#include "notify/notify_impl.h"

namespace gantry::notify {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kCursor = "notify";
constexpr int kIngestBatch = 500;
constexpr int kDeliverBatch = 50;
constexpr std::size_t kMaxErrorText = 400;

// The receiver, not this one request, is the problem: the sink's other items wait too.
bool receiver_unavailable(const detail::HttpOutcome& o) {
  return !o.error.empty() || o.status >= 500 || o.status == 408 || o.status == 429;
}

std::string ms_text(std::int64_t ms) {
  return format_duration(Duration(std::max<std::int64_t>(0, ms)));
}

class NotifierImpl final : public Notifier {
 public:
  NotifierImpl(NotifierOptions options, std::unique_ptr<store::Store> store)
      : o_(std::move(options)), store_(std::move(store)), rng_(std::random_device{}()) {
    if (!o_.log) o_.log = [](const std::string& line) { std::cerr << line << std::endl; };
    if (o_.poll_interval <= Duration{0}) o_.poll_interval = 2s;
  }
  ~NotifierImpl() override { stop(); }

  void begin() {
    thread_ = std::thread([this] { run(); });
  }

  void poke() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      poked_ = true;
    }
    cv_.notify_one();
  }

  void stop() override {
    std::lock_guard<std::mutex> join_lock(join_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cancel_ = true;
    cv_.notify_one();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

 private:
  void run() {
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        poked_ = false;
      }
      bool healthy = report(ingest(), "cannot move new events into the outbox");
      auto more = deliver_due();
      healthy =
          report(more ? Status() : Status(more.error()), "cannot deliver notifications") && healthy;
      if (more && *more) continue;
      wait(healthy);
    }
  }

  // Until a poke, stop, the earliest due retry or poll_interval; after a store error only the
  // poll interval (the store is not asked again at once).
  void wait(bool healthy) {
    auto wake = std::chrono::steady_clock::now() + o_.poll_interval;
    if (healthy) {
      auto next = store_->next_outbox_due();
      if (next && next->has_value()) {
        const auto in =
            std::chrono::milliseconds(std::max<std::int64_t>(0, **next - now_unix_ms()));
        wake = std::min(wake, std::chrono::steady_clock::now() + in);
      }
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, wake, [&] { return stopping_ || poked_; });
  }

  // Logs a store error once (not every poll while it lasts). True when st is fine.
  bool report(const Status& st, const std::string& what) {
    if (st) {
      if (!last_report_.empty()) o_.log("gantry: notify: the store answers again");
      last_report_.clear();
      return true;
    }
    const std::string line = "gantry: notify: " + what + ": " + st.error().message;
    if (line != last_report_) o_.log(line);
    last_report_ = line;
    return false;
  }

  const SinkConfig* find_sink(const std::string& name) const {
    for (const auto& s : o_.sinks) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }

  // The environment an event is about: its own, its deployment's, else the daemon's.
  Result<std::string> environment_of(const store::DeploymentEvent& e,
                                     std::map<std::string, std::string>& cache) {
    if (!e.environment.empty()) return e.environment;
    if (e.deployment_id.empty()) return o_.environment;
    auto it = cache.find(e.deployment_id);
    if (it != cache.end()) return it->second;
    auto d = store_->get_deployment(e.deployment_id);
    if (!d) return d.error();
    const std::string env = d->has_value() ? (*d)->environment : o_.environment;
    cache.emplace(e.deployment_id, env);
    return env;
  }

  // Moves every event past the cursor into the outbox of each sink that wants it. A crash
  // between batches loses nothing: a batch's items and its cursor move land together.
  Status ingest() {
    auto cursor = store_->get_cursor(kCursor);
    if (!cursor) return cursor.error();
    std::int64_t at = *cursor;
    std::map<std::string, std::string> environments;
    while (!cancel_) {
      auto batch = store_->list_events_since(at, kIngestBatch);
      if (!batch) return batch.error();
      if (batch->empty()) return {};
      const std::int64_t now = now_unix_ms();
      auto st = store_->transaction([&]() -> Status {
        for (const auto& e : *batch) {
          auto env = environment_of(e, environments);
          if (!env) return env.error();
          for (const auto& sink : o_.sinks) {
            if (!sink_wants(sink, e, *env)) continue;
            // Older than max_age already (a sink added to a project with history): it
            // would only be given up.
            if (now - e.at_ms >= sink.max_age.count()) continue;
            store::OutboxItem item;
            item.sink = sink.name;
            item.event_id = e.id;
            item.created_at_ms = now;
            item.next_attempt_at_ms = now;
            auto id = store_->enqueue_outbox(item);
            if (!id) return id.error();
          }
        }
        return store_->set_cursor(kCursor, batch->back().id);
      });
      if (!st) return st;
      at = batch->back().id;
      if (batch->size() < static_cast<std::size_t>(kIngestBatch)) return {};
    }
    return {};
  }

  // One batch of due items; true when there may be more due right now. A sink whose receiver
  // failed is not tried again in the same batch: its other items wait for the next one, so a
  // receiver that times out holds the other sinks up for one timeout at a time, not one per item.
  Result<bool> deliver_due() {
    auto due = store_->due_outbox(now_unix_ms(), kDeliverBatch);
    if (!due) return due.error();
    std::set<std::string> unavailable;
    bool skipped = false;
    for (auto& item : *due) {
      if (cancel_) return false;
      if (unavailable.count(item.sink)) {
        skipped = true;
        continue;
      }
      const std::string sink = item.sink;
      auto failed = deliver(std::move(item));
      if (!failed) return failed.error();
      if (*failed) unavailable.insert(sink);
    }
    return skipped || due->size() == static_cast<std::size_t>(kDeliverBatch);
  }

  Result<std::optional<detail::Subject>> load_subject(std::int64_t event_id) {
    auto events = store_->list_events_since(event_id - 1, 1);
    if (!events) return events.error();
    if (events->empty() || events->front().id != event_id) {
      return std::optional<detail::Subject>();
    }
    detail::Subject s{events->front(), std::nullopt};
    if (!s.event.deployment_id.empty()) {
      auto d = store_->get_deployment(s.event.deployment_id);
      if (!d) return d.error();
      s.deployment = *d;
    }
    return std::optional<detail::Subject>(std::move(s));
  }

  // A value as written, or the secret a secret://NAME names.
  Result<std::string> resolve(const std::string& value, const std::string& what) const {
    if (value.rfind("secret://", 0) != 0) return value;
    const std::string name = value.substr(9);
    if (!o_.resolve_secret) {
      return make_error(ErrorCode::NotFound,
                        what + ": secret://" + name + " cannot be resolved: no secret store");
    }
    auto v = o_.resolve_secret(name);
    if (!v) return make_error(v.error().code, what + ": " + v.error().message);
    return v;
  }

  Result<detail::HttpRequest> build_request(const SinkConfig& sink, const store::OutboxItem& item,
                                            const detail::Subject& subject) const {
    detail::HttpRequest r;
    r.timeout = sink.timeout;
    auto url = resolve(sink.url, "url");
    if (!url) return url.error();
    r.url = std::move(*url);
    r.headers.emplace_back("Content-Type", "application/json");
    r.headers.emplace_back("User-Agent", o_.user_agent);
    if (sink.kind == SinkKind::Slack) {
      r.body = detail::slack_body(subject, o_.project, sink.channel);
      return r;
    }
    const std::string delivery = std::to_string(item.id);
    const std::string timestamp = std::to_string(now_unix_ms() / 1000);
    r.body = detail::webhook_body(delivery, subject, o_.project);
    r.headers.emplace_back("X-Gantry-Event", subject.event.type);
    r.headers.emplace_back("X-Gantry-Delivery", delivery);
    r.headers.emplace_back("X-Gantry-Timestamp", timestamp);
    if (!sink.secret.empty()) {
      auto key = resolve(sink.secret, "secret");
      if (!key) return key.error();
      r.headers.emplace_back("X-Gantry-Signature",
                             "sha256=" + detail::signature(*key, timestamp, r.body));
    }
    for (const auto& [name, value] : sink.headers) {
      auto v = resolve(value, "headers." + name);
      if (!v) return v.error();
      r.headers.emplace_back(name, std::move(*v));
    }
    return r;
  }

  // What went wrong, in one line that names no credential: the URL shows as scheme://host.
  static std::string describe(const detail::HttpOutcome& o, const std::string& url) {
    std::string text = !o.error.empty() ? o.error : "HTTP " + std::to_string(o.status);
    if (o.error.empty() && !o.body_excerpt.empty()) text += ": " + o.body_excerpt;
    if (!url.empty()) {
      const std::string shown = redact_url(url);
      for (auto at = text.find(url); at != std::string::npos; at = text.find(url, at)) {
        text.replace(at, url.size(), shown);
        at += shown.size();
      }
    }
    if (text.size() > kMaxErrorText) text = text.substr(0, kMaxErrorText) + "...";
    return text;
  }

  std::string sink_label(const SinkConfig& sink) const {
    return std::string(sink.kind == SinkKind::Slack ? "slack" : "webhook") + " '" + sink.name +
           "' (" + redact_url(sink.url) + ")";
  }

  static std::string item_label(const store::OutboxItem& item, const detail::Subject* subject) {
    return "delivery " + std::to_string(item.id) + " (" +
           (subject ? subject->event.type + ", " : std::string()) + "event " +
           std::to_string(item.event_id) + ")";
  }

  // One attempt (or a give-up). True when the sink's receiver is unavailable (a network error,
  // a time-out, 5xx, 408 or 429).
  Result<bool> deliver(store::OutboxItem item) {
    const SinkConfig* sink = find_sink(item.sink);
    if (!sink) {
      return done_with(give_up(item, nullptr,
                               "the spec has no sink named '" + item.sink + "' any more", nullptr));
    }
    auto loaded = load_subject(item.event_id);
    if (!loaded) return loaded.error();
    if (!loaded->has_value()) {
      return done_with(give_up(
          item, sink, "event " + std::to_string(item.event_id) + " is not in the store", nullptr));
    }
    const detail::Subject& subject = **loaded;
    const std::int64_t now = now_unix_ms();
    if (now - item.created_at_ms >= sink->max_age.count()) {
      return done_with(
          give_up(item, sink,
                  "not delivered within max_age (" + format_duration(sink->max_age) + ")" +
                      (item.last_error.empty() ? "" : "; last error: " + item.last_error),
                  &subject));
    }
    auto request = build_request(*sink, item, subject);
    detail::HttpOutcome outcome;
    std::string url;
    if (request) {
      url = request->url;
      outcome = http_.post(*request, cancel_);
      if (outcome.cancelled) return false;  // stopping: not an attempt, the item stays due
    } else {
      outcome.error = request.error().message;
    }
    item.attempts += 1;
    const std::int64_t done = now_unix_ms();
    if (outcome.ok()) {
      if (item.attempts > 1) {
        o_.log("gantry: notify: " + sink_label(*sink) + ": " + item_label(item, &subject) +
               " delivered at attempt " + std::to_string(item.attempts));
      }
      item.status = "delivered";
      item.done_at_ms = done;
      item.last_error.clear();
      if (auto st = store_->update_outbox(item); !st) return st.error();
      return false;
    }
    const std::string why = describe(outcome, url);
    item.last_error = why;
    Duration delay = backoff_delay(sink->backoff, item.attempts, unit_(rng_));
    if (outcome.retry_after) {
      delay = std::max(delay, std::min(*outcome.retry_after, sink->backoff.max));
    }
    const std::int64_t next = done + delay.count();
    if (next - item.created_at_ms >= sink->max_age.count()) {
      return done_with(give_up(item, sink, why, &subject));
    }
    item.next_attempt_at_ms = next;
    o_.log("gantry: notify: " + sink_label(*sink) + ": " + item_label(item, &subject) +
           " failed at attempt " + std::to_string(item.attempts) + ": " + why +
           "; next attempt in " + ms_text(next - done));
    if (auto st = store_->update_outbox(item); !st) return st.error();
    return request && receiver_unavailable(outcome);
  }

  static Result<bool> done_with(const Status& st) {
    if (!st) return st.error();
    return false;
  }

  // Gives the item up for good; unless it was itself about a notification (no chains), records
  // notification.failed, in the same transaction, and tells on_event_written.
  Status give_up(store::OutboxItem item, const SinkConfig* sink, const std::string& why,
                 const detail::Subject* subject) {
    const std::int64_t now = now_unix_ms();
    item.status = "given_up";
    item.last_error = why;
    item.done_at_ms = now;
    std::optional<store::DeploymentEvent> written;
    auto st = store_->transaction([&]() -> Status {
      if (auto u = store_->update_outbox(item); !u) return u;
      if (!subject || subject->event.type.rfind("notification.", 0) == 0) return {};
      const store::DeploymentEvent& original = subject->event;
      store::DeploymentEvent e;
      e.deployment_id = original.deployment_id;
      e.at_ms = now;
      e.type = "notification.failed";
      e.data_json = json{{"sink", item.sink},           {"event_id", item.event_id},
                         {"event_type", original.type}, {"delivery", std::to_string(item.id)},
                         {"attempts", item.attempts},   {"last_error", why}}
                        .dump(-1, ' ', false, json::error_handler_t::replace);
      e.service = original.service;
      e.environment = original.environment;
      e.version = original.version;
      auto w = store_->append_event(e);
      if (!w) return w.error();
      written = std::move(*w);
      return {};
    });
    if (!st) return st;
    o_.log(
        "gantry: notify: " + (sink ? sink_label(*sink) : std::string("sink '") + item.sink + "'") +
        ": gave up " + item_label(item, subject) + " after " + std::to_string(item.attempts) +
        " attempt(s): " + why);
    if (written && o_.on_event_written) o_.on_event_written(*written);
    return {};
  }

  NotifierOptions o_;
  std::unique_ptr<store::Store> store_;
  detail::HttpClient http_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  std::string last_report_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool poked_ = false;
  bool stopping_ = false;
  std::atomic<bool> cancel_{false};
  std::mutex join_mu_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<Notifier>> Notifier::start(NotifierOptions options) {
  detail::init_libraries();
  std::map<std::string, int> names;
  for (const auto& s : options.sinks) {
    if (++names[s.name] > 1) {
      return make_error(ErrorCode::Invalid, "two notify sinks are named '" + s.name + "'");
    }
  }
  auto store = store::open_sqlite(options.db_path);
  if (!store) return store.error();
  if (options.secret_mask) (*store)->set_secret_mask(options.secret_mask);
  auto notifier = std::make_unique<NotifierImpl>(std::move(options), std::move(*store));
  notifier->begin();
  return std::unique_ptr<Notifier>(std::move(notifier));
}

}  // namespace gantry::notify
