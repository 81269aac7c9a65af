// GET /v1/logs: merging replicas by time, since / tail / replica filters, the follow cursor,
// and 400s for bad values.
#include "api_fixture.h"
#include "support/poll.h"

namespace gantry::api::testing {
namespace {

using nlohmann::json;

std::int64_t now_ms() { return to_unix_ms(std::chrono::system_clock::now()); }

std::vector<std::string> texts(const json& body) {
  std::vector<std::string> out;
  for (const auto& line : body["lines"]) out.push_back(line["text"].get<std::string>());
  return out;
}

class LogsTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    base_ = now_ms() - 60'000;  // a minute ago
    // Rotated file first (older lines), then the live one; replica 1 interleaves.
    append(controller_->log_path("api", 0) + ".1", log_line(base_ + 0, "out", "a0"));
    append(controller_->log_path("api", 0), log_line(base_ + 20, "out", "a2") + "not a log line\n" +
                                                log_line(base_ + 40, "err", "a4"));
    append(controller_->log_path("api", 1),
           log_line(base_ + 10, "out", "b1") + log_line(base_ + 30, "out", "b3"));
    append(controller_->log_path("worker", 0), log_line(base_ + 15, "out", "w"));
  }
  std::int64_t base_ = 0;
};

TEST_F(LogsTest, MergesReplicasByTime) {
  auto r = get("/v1/logs?service=api");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json_of(r);
  EXPECT_EQ(texts(body), (std::vector<std::string>{"a0", "b1", "a2", "b3", "a4"}));
  const auto& line = body["lines"][4];
  EXPECT_EQ(line["service"], "api");
  EXPECT_EQ(line["replica"], 0);
  EXPECT_EQ(line["stream"], "err");
  EXPECT_EQ(line["at"], format_timestamp(base_ + 40));
}

TEST_F(LogsTest, WithoutAServiceMergesEveryService) {
  EXPECT_EQ(texts(json_of(get("/v1/logs"))),
            (std::vector<std::string>{"a0", "b1", "w", "a2", "b3", "a4"}));
}

TEST_F(LogsTest, ReplicaTailAndSinceFilter) {
  EXPECT_EQ(texts(json_of(get("/v1/logs?service=api&replica=1"))),
            (std::vector<std::string>{"b1", "b3"}));
  EXPECT_EQ(texts(json_of(get("/v1/logs?service=api&tail=2"))),
            (std::vector<std::string>{"b3", "a4"}));
  EXPECT_TRUE(texts(json_of(get("/v1/logs?service=api&tail=0"))).empty());
  append(controller_->log_path("api", 1), log_line(now_ms() - 1000, "out", "fresh"));
  EXPECT_EQ(texts(json_of(get("/v1/logs?service=api&since=10s"))),
            (std::vector<std::string>{"fresh"}));
}

TEST_F(LogsTest, AfterCursorReturnsOnlyNewerLines) {
  auto first = json_of(get("/v1/logs?service=api&tail=2"));
  ASSERT_EQ(texts(first), (std::vector<std::string>{"b3", "a4"}));
  const std::string cursor = first["cursor"];
  EXPECT_EQ(cursor, format_timestamp(base_ + 40));
  EXPECT_TRUE(texts(json_of(get("/v1/logs?service=api&after=" + cursor))).empty());

  append(controller_->log_path("api", 1), log_line(base_ + 40, "out", "same-ms"));
  append(controller_->log_path("api", 1), log_line(base_ + 50, "out", "b5"));
  auto next = json_of(get("/v1/logs?service=api&after=" + cursor));
  // The cursor is exclusive: a line stamped at the cursor's millisecond was already sent.
  EXPECT_EQ(texts(next), (std::vector<std::string>{"b5"}));
  EXPECT_EQ(next["cursor"], format_timestamp(base_ + 50));
}

TEST_F(LogsTest, FollowPagesHoldBackTheFreshestLinesUntilTheySettle) {
  const std::string start = format_timestamp(base_ + 40);
  const std::int64_t stamp = now_ms();
  append(controller_->log_path("api", 0), log_line(stamp, "out", "just now"));
  // Served once the line is older than the settling window; until then the cursor stays
  // before it, so the next page still finds it.
  std::vector<std::string> got;
  ASSERT_TRUE(gantry::testing::wait_until([&] {
    auto body = json_of(get("/v1/logs?service=api&after=" + start));
    got = texts(body);
    if (got.empty()) {
      EXPECT_LT(*parse_timestamp(body["cursor"].get<std::string>()), stamp);
    }
    return !got.empty();
  }));
  EXPECT_EQ(got, std::vector<std::string>{"just now"});
}

TEST_F(LogsTest, UnknownServiceOrReplicaIs404) {
  auto r = get("/v1/logs?service=apii");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(error_message(r).find("did you mean 'api'"), std::string::npos) << r.body;
  r = get("/v1/logs?service=api&replica=7");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(error_message(r).find("replicas: 0, 1"), std::string::npos) << r.body;
}

TEST_F(LogsTest, BadValuesAre400WithWhatWouldBeValid) {
  auto r = get("/v1/logs?service=api&since=abc");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "bad_request");
  EXPECT_NE(error_message(r).find("5m"), std::string::npos) << r.body;
  r = get("/v1/logs?service=api&tail=-1");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_message(r).find("from 0 to 10000"), std::string::npos) << r.body;
  r = get("/v1/logs?service=api&after=yesterday");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_message(r).find("RFC 3339"), std::string::npos) << r.body;
  EXPECT_EQ(get("/v1/logs?replica=1").status, 400);
  EXPECT_EQ(get("/v1/logs?service=api&tail=1&tail=2").status, 400);
  EXPECT_EQ(get("/v1/logs?service=%zz").status, 400);
}

}  // namespace
}  // namespace gantry::api::testing
