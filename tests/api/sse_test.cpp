// GET /v1/events on a real ApiServer over its unix socket: the Server-Sent Events stream
// (backlog then live, in order, once; Last-Event-ID; filters; clients that leave are dropped)
// read with api::stream_events and with a raw socket, and the JSON page (tail, after, limit,
// more, next). Events are published on the server's own thread, as the daemon does.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api_fixture.h"
#include "core/strings.h"
#include "support/poll.h"

namespace gantry::api::testing {
namespace {

using gantry::testing::wait_until;
using nlohmann::json;

// A `gantry events -f`: api::stream_events on its own thread, keeping what it hears.
class StreamReader {
 public:
  // stop_after: return false (leave) once this many events came; 0 = never.
  StreamReader(const std::string& socket, const std::string& target, std::size_t stop_after = 0) {
    thread_ = std::thread([this, socket, target, stop_after] {
      auto st = stream_events(socket, target, [&](const StreamedEvent& e) {
        std::lock_guard lock(mu_);
        events_.push_back(e);
        return stop_after == 0 || events_.size() < stop_after;
      });
      std::lock_guard lock(mu_);
      result_ = st;
      done_ = true;
    });
  }
  ~StreamReader() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  std::vector<StreamedEvent> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return events_.size();
  }
  bool done() {
    std::lock_guard lock(mu_);
    return done_;
  }
  Status result() {
    std::lock_guard lock(mu_);
    return result_;
  }
  std::vector<std::int64_t> ids() {
    std::vector<std::int64_t> out;
    for (const auto& e : events()) out.push_back(std::stoll(e.id));
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<StreamedEvent> events_;
  Status result_;
  bool done_ = false;
  std::thread thread_;
};

// An EventSource-like client on a raw unix socket: any request headers, the head as sent, and
// the frames (id/event/data) as they come.
class RawStream {
 public:
  RawStream(const std::string& socket, const std::string& target, const std::string& headers) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", socket.c_str());
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    const std::string request = "GET " + target +
                                " HTTP/1.1\r\nHost: gantry\r\nAccept: text/event-stream\r\n" +
                                headers + "\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) < 0) close();
  }
  ~RawStream() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  struct Frame {
    std::int64_t id = 0;
    std::string type;
    json data;
  };

  // Reads until pred() holds, the server closes, or the deadline passes; true when pred holds.
  bool read_until(const std::function<bool()>& pred,
                  std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (!pred()) {
      if (fd_ < 0 || closed_) return false;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[8192];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        continue;
      }
      raw_.append(buf, static_cast<std::size_t>(n));
      if (!head_.empty()) body_.append(buf, static_cast<std::size_t>(n));
      parse();
    }
    return true;
  }

  const std::string& head() const { return head_; }
  const std::vector<Frame>& frames() const { return frames_; }
  const std::string& body() const { return body_; }
  bool closed() const { return closed_; }
  std::vector<std::int64_t> ids() const {
    std::vector<std::int64_t> out;
    for (const auto& f : frames_) out.push_back(f.id);
    return out;
  }

 private:
  void parse() {
    if (head_.empty()) {
      const auto end = raw_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      head_ = raw_.substr(0, end);
      raw_.erase(0, end + 4);
      body_ = raw_;  // everything after the head, for error replies
    }
    for (std::size_t end; (end = raw_.find("\n\n")) != std::string::npos;) {
      Frame f;
      bool any = false;
      for (const auto& line : split(std::string_view(raw_).substr(0, end), '\n')) {
        if (line.starts_with("id: ")) f.id = std::stoll(std::string(line.substr(4)));
        if (line.starts_with("event: ")) f.type = std::string(line.substr(7));
        if (line.starts_with("data: ")) {
          f.data = json::parse(std::string(line.substr(6)), nullptr, false);
          any = true;
        }
      }
      raw_.erase(0, end + 2);
      if (any) frames_.push_back(std::move(f));
    }
  }

  int fd_ = -1;
  bool closed_ = false;
  std::string raw_;
  std::string head_;
  std::string body_;
  std::vector<Frame> frames_;
};

class SseTest : public ApiTest {
 protected:
  void TearDown() override {
    stop_server();  // closes every stream, so the readers' threads end
    readers_.clear();
    ApiTest::TearDown();
  }

  template <class F>
  auto on_io(F fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  std::int64_t publish(const std::string& type, const std::string& service = "api",
                       const std::string& deployment = "") {
    return on_io([&] {
      telemetry::Event e;
      e.type = type;
      e.service = service;
      e.environment = "staging";
      e.version = "v1";
      e.deployment_id = deployment;
      e.data_json = json{{"what", type}}.dump();
      auto written = controller_->events().publish(e);
      EXPECT_TRUE(written) << written.error().str();
      return written ? written->id : std::int64_t{0};
    });
  }

  std::size_t subscribers() {
    return on_io([&] { return controller_->events().subscriber_count(); });
  }

  StreamReader& read(const std::string& target, std::size_t stop_after = 0) {
    readers_.push_back(std::make_unique<StreamReader>(socket_, target, stop_after));
    return *readers_.back();
  }

  // A deployment of "api" in the store, for ?deployment= filters.
  void put_deployment(const std::string& id) {
    on_io([&] {
      auto& store = controller_->store();
      store::Revision rev{"api-r1", "api", "staging", 1, "v1", "{}", "h1", 1000, ""};
      (void)store.put_revision(rev);
      store::Deployment d;
      d.id = id;
      d.service = "api";
      d.environment = "staging";
      d.revision_id = rev.id;
      d.strategy = "rolling";
      d.version = "v1";
      d.started_at_ms = 1000;
      auto st = store.put_deployment(d);
      EXPECT_TRUE(st) << st.error().str();
      return 0;
    });
  }

  static std::vector<std::int64_t> ids_of(const json& page) {
    std::vector<std::int64_t> out;
    for (const auto& e : page["events"]) out.push_back(e["id"].get<std::int64_t>());
    return out;
  }

  std::vector<std::unique_ptr<StreamReader>> readers_;
};

TEST_F(SseTest, SendsTheBacklogThenLiveEventsInOrder) {
  std::vector<std::int64_t> want;
  for (const char* type : {"deployment.started", "phase.changed", "weight.changed"}) {
    want.push_back(publish(type));
  }
  auto& reader = read("/v1/events?after=0");
  ASSERT_TRUE(wait_until([&] { return reader.count() == 3; })) << reader.count();
  ASSERT_TRUE(wait_until([&] { return subscribers() == 1; }));
  want.push_back(publish("weight.changed"));
  want.push_back(publish("deployment.succeeded"));
  ASSERT_TRUE(wait_until([&] { return reader.count() == 5; })) << reader.count();
  EXPECT_EQ(reader.ids(), want);
  const auto events = reader.events();
  EXPECT_EQ(events[4].type, "deployment.succeeded");
  const json last = json::parse(events[4].data);
  EXPECT_EQ(last["id"], want[4]);
  EXPECT_EQ(last["type"], "deployment.succeeded");
  EXPECT_EQ(last["service"], "api");
  EXPECT_EQ(last["data"]["what"], "deployment.succeeded");
}

TEST_F(SseTest, LosesAndRepeatsNothingWhileEventsComeAsItConnects) {
  auto& reader = read("/v1/events?after=0");
  std::vector<std::int64_t> want;
  for (int i = 0; i < 60; ++i) want.push_back(publish("analysis.sample"));
  ASSERT_TRUE(wait_until([&] { return reader.count() >= want.size(); })) << reader.count();
  ASSERT_TRUE(wait_until([&] { return subscribers() == 1; }));
  want.push_back(publish("analysis.failed"));  // and one surely live
  ASSERT_TRUE(wait_until([&] { return reader.count() == want.size(); })) << reader.count();
  EXPECT_EQ(reader.ids(), want);
}

TEST_F(SseTest, ResumesAfterLastEventIdWithExactlyTheEventsAfterIt) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(publish(i % 2 ? "weight.changed" : "phase.changed"));
  // Last-Event-ID wins over ?after= (EventSource sends it on a reconnect, with the same URL).
  RawStream raw(socket_, "/v1/events?after=0", "Last-Event-ID: " + std::to_string(ids[1]) + "\r\n");
  ASSERT_TRUE(raw.read_until([&] { return raw.frames().size() == 3; })) << raw.head();
  EXPECT_NE(raw.head().find("200 OK"), std::string::npos) << raw.head();
  EXPECT_NE(raw.head().find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_EQ(raw.ids(), (std::vector<std::int64_t>{ids[2], ids[3], ids[4]}));
  EXPECT_EQ(raw.frames()[0].type, "phase.changed");
  EXPECT_EQ(raw.frames()[0].data["id"], ids[2]);
  ASSERT_TRUE(wait_until([&] { return subscribers() == 1; }));
  const auto live = publish("deployment.succeeded");
  ASSERT_TRUE(raw.read_until([&] { return raw.frames().size() == 4; }));
  EXPECT_EQ(raw.frames().back().id, live);
  EXPECT_EQ(raw.frames().back().type, "deployment.succeeded");
}

TEST_F(SseTest, AnIdFromAnotherDatabaseStillGetsNewEvents) {
  publish("replica.started");
  RawStream raw(socket_, "/v1/events", "Last-Event-ID: 999999\r\n");
  ASSERT_TRUE(raw.read_until([&] { return !raw.head().empty(); }));
  ASSERT_TRUE(wait_until([&] { return subscribers() == 1; }));
  const auto live = publish("replica.exited");
  ASSERT_TRUE(raw.read_until([&] { return raw.frames().size() == 1; }))
      << "an id past the stream's end hid new events";
  EXPECT_EQ(raw.frames()[0].id, live);
}

TEST_F(SseTest, RefusesABadLastEventId) {
  RawStream raw(socket_, "/v1/events", "Last-Event-ID: twelve\r\n");
  ASSERT_TRUE(raw.read_until([&] { return raw.body().find('}') != std::string::npos; }))
      << raw.head();
  EXPECT_NE(raw.head().find(" 400 "), std::string::npos) << raw.head();
  EXPECT_NE(raw.body().find("Last-Event-ID"), std::string::npos) << raw.body();
}

TEST_F(SseTest, FiltersByServiceAndTypePatterns) {
  publish("rollback.started", "api");
  publish("rollback.started", "web");
  publish("weight.changed", "api");
  publish("deployment.rolled_back", "api");
  auto& reader = read("/v1/events?service=api&type=rollback.*,deployment.rolled_back");
  ASSERT_TRUE(wait_until([&] { return reader.count() == 2; })) << reader.count();
  ASSERT_TRUE(wait_until([&] { return subscribers() == 1; }));
  publish("rollback.finished", "web");
  publish("phase.changed", "api");
  const auto live = publish("rollback.finished", "api");
  ASSERT_TRUE(wait_until([&] { return reader.count() == 3; })) << reader.count();
  const auto events = reader.events();
  EXPECT_EQ(events[0].type, "rollback.started");
  EXPECT_EQ(events[1].type, "deployment.rolled_back");
  EXPECT_EQ(events[2].type, "rollback.finished");
  EXPECT_EQ(std::stoll(events[2].id), live);
  for (const auto& e : events) EXPECT_EQ(json::parse(e.data)["service"], "api") << e.data;
  // Nothing else came after the last match (a later match is the proof of order).
  const auto marker = publish("rollback.done", "api");
  ASSERT_TRUE(wait_until([&] { return reader.count() == 4; }));
  EXPECT_EQ(reader.ids().back(), marker);
}

TEST_F(SseTest, StartsWithTheLastTailEventsThatMatch) {
  publish("replica.started", "api");
  const auto a = publish("replica.started", "worker");
  publish("replica.started", "api");
  const auto b = publish("replica.exited", "worker");
  publish("replica.started", "api");
  auto& reader = read("/v1/events?service=worker&tail=2");
  ASSERT_TRUE(wait_until([&] { return reader.count() == 2; })) << reader.count();
  EXPECT_EQ(reader.ids(), (std::vector<std::int64_t>{a, b}));
}

TEST_F(SseTest, DropsAClientThatLeaves) {
  const std::size_t before = subscribers();
  {
    auto& leaver = read("/v1/events", 1);  // leaves after its first event
    ASSERT_TRUE(wait_until([&] { return subscribers() == before + 1; }));
    publish("replica.started");
    ASSERT_TRUE(wait_until([&] { return leaver.done(); }));
    EXPECT_TRUE(leaver.result()) << leaver.result().error().str();
    ASSERT_TRUE(wait_until([&] { return subscribers() == before; }))
        << "a stream whose client left is still subscribed";
  }
  // One that leaves before anything happened: the server notices the closed socket alone.
  {
    RawStream raw(socket_, "/v1/events", "");
    ASSERT_TRUE(raw.read_until([&] { return !raw.head().empty(); }));
    ASSERT_TRUE(wait_until([&] { return subscribers() == before + 1; }));
    raw.close();
    EXPECT_TRUE(wait_until([&] { return subscribers() == before; }));
  }
  // Events after they left reach nobody's closed socket and harm nobody.
  publish("replica.exited");
  auto& stayer = read("/v1/events?tail=1");
  EXPECT_TRUE(wait_until([&] { return stayer.count() == 1; }));
}

TEST_F(SseTest, EndsTheStreamWhenTheServerStops) {
  auto& reader = read("/v1/events");
  ASSERT_TRUE(wait_until([&] { return subscribers() == 1; }));
  stop_server();
  ASSERT_TRUE(wait_until([&] { return reader.done(); }));
  EXPECT_TRUE(reader.result()) << "a closed stream ends cleanly: " << reader.result().error().str();
}

TEST_F(SseTest, RefusesAStreamWithABadFilter) {
  auto& reader = read("/v1/events?colour=blue");
  ASSERT_TRUE(wait_until([&] { return reader.done(); }));
  ASSERT_FALSE(reader.result());
  EXPECT_EQ(reader.result().error().code, ErrorCode::Invalid);
  EXPECT_NE(reader.result().error().message.find("colour"), std::string::npos)
      << reader.result().error().message;
  auto& unknown = read("/v1/events?deployment=d-404");
  ASSERT_TRUE(wait_until([&] { return unknown.done(); }));
  ASSERT_FALSE(unknown.result());
  EXPECT_NE(unknown.result().error().message.find("d-404"), std::string::npos);
}

TEST_F(SseTest, PagesThroughTheStreamWithLimitMoreAndNext) {
  std::vector<std::int64_t> all;
  for (int i = 0; i < 7; ++i) all.push_back(publish(i % 3 ? "weight.changed" : "phase.changed"));
  auto whole = get("/v1/events");
  ASSERT_EQ(whole.status, 200) << whole.body;
  EXPECT_EQ(ids_of(json_of(whole)), all);
  EXPECT_EQ(json_of(whole)["more"], false);
  EXPECT_EQ(json_of(whole)["next"], all.back());
  EXPECT_EQ(json_of(whole)["events"][0]["type"], "phase.changed");
  EXPECT_EQ(json_of(whole)["events"][0]["service"], "api");

  std::vector<std::int64_t> walked;
  std::int64_t after = 0;
  for (int page = 0; page < 10; ++page) {
    auto r = get("/v1/events?limit=3&after=" + std::to_string(after));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto j = json_of(r);
    const auto ids = ids_of(j);
    walked.insert(walked.end(), ids.begin(), ids.end());
    EXPECT_LE(ids.size(), 3u);
    if (!ids.empty()) {
      EXPECT_EQ(j["next"], ids.back());
    }
    after = j["next"].get<std::int64_t>();
    if (!j["more"].get<bool>()) break;
  }
  EXPECT_EQ(walked, all);
  auto end = get("/v1/events?after=" + std::to_string(all.back()));
  EXPECT_TRUE(json_of(end)["events"].empty());
  EXPECT_EQ(json_of(end)["next"], all.back()) << "next stays where the reader is";
  EXPECT_EQ(json_of(end)["more"], false);
}

TEST_F(SseTest, PagesFilteredEventsAndTheirTail) {
  std::vector<std::int64_t> weights;
  for (int i = 0; i < 9; ++i) {
    const auto id = publish(i % 3 ? "weight.changed" : "phase.changed", i % 2 ? "web" : "api");
    if (i % 3) weights.push_back(id);
  }
  auto typed = get("/v1/events?type=weight.*");
  EXPECT_EQ(ids_of(json_of(typed)), weights);
  auto tail = get("/v1/events?type=weight.changed&tail=2");
  ASSERT_EQ(tail.status, 200) << tail.body;
  EXPECT_EQ(ids_of(json_of(tail)),
            (std::vector<std::int64_t>{weights[weights.size() - 2], weights.back()}));
  auto both = get("/v1/events?service=web&type=phase.changed,weight.changed&limit=2");
  const auto j = json_of(both);
  ASSERT_EQ(j["events"].size(), 2u) << both.body;
  for (const auto& e : j["events"]) EXPECT_EQ(e["service"], "web");
  EXPECT_EQ(j["more"], true);
  auto none = get("/v1/events?tail=0");
  EXPECT_TRUE(json_of(none)["events"].empty());
  auto more_than_all = get("/v1/events?tail=100");
  EXPECT_EQ(json_of(more_than_all)["events"].size(), 9u);
}

TEST_F(SseTest, PagesOneDeploymentsEvents) {
  put_deployment("d-000001");
  const auto a = publish("deployment.started", "api", "d-000001");
  publish("replica.started", "api");  // not part of it
  const auto b = publish("deployment.succeeded", "api", "d-000001");
  auto r = get("/v1/events?deployment=d-000001");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ids_of(json_of(r)), (std::vector<std::int64_t>{a, b}));
  EXPECT_EQ(json_of(r)["events"][0]["deployment"], "d-000001");
  auto missing = get("/v1/events?deployment=d-000404");
  EXPECT_EQ(missing.status, 404) << missing.body;
}

TEST_F(SseTest, ExplainsBadPageParameters) {
  for (const auto& target :
       {"/v1/events?after=-1", "/v1/events?after=abc", "/v1/events?limit=0",
        "/v1/events?limit=999999", "/v1/events?tail=1&after=2", "/v1/events?bogus=1"}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    EXPECT_FALSE(error_message(r).empty()) << target;
  }
}

}  // namespace
}  // namespace gantry::api::testing
