// The JSON-lines event log over a real SQLite file shared with the test's own connection:
// every event once as one JSON line, resumption from its cursor, rotation with `keep`.
#include "telemetry/event_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/store.h"
#include "support/poll.h"
#include "support/temp_dir.h"

namespace gantry::telemetry {
namespace {

using gantry::testing::wait_until;
using nlohmann::json;

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_sqlite(database());
    ASSERT_TRUE(s) << s.error().str();
    store_ = std::move(*s);
  }

  std::string database() const { return dir_ / "state.db"; }
  std::string file() const { return dir_ / "events.jsonl"; }

  EventLogOptions options(std::uint64_t max_size = 10 * 1024 * 1024, int keep = 5) const {
    EventLogOptions o;
    o.database = database();
    o.file = file();
    o.max_size = max_size;
    o.keep = keep;
    return o;
  }

  std::unique_ptr<EventLog> start(const EventLogOptions& o) {
    auto log = EventLog::start(o);
    EXPECT_TRUE(log) << log.error().str();
    return log ? std::move(*log) : nullptr;
  }

  // Appends n events (about `pad` bytes of data each) on the test's own connection.
  std::vector<std::int64_t> append(int n, std::size_t pad = 16) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < n; ++i) {
      store::DeploymentEvent e;
      e.deployment_id = "";
      e.at_ms = 1'764'640'000'000 + i;
      e.type = i % 2 ? "replica.exited" : "replica.started";
      e.service = "api";
      e.version = "v1";
      e.data_json = json{{"i", i}, {"pad", std::string(pad, 'x')}}.dump();
      auto written = store_->append_event(e);
      EXPECT_TRUE(written) << written.error().str();
      if (written) ids.push_back(written->id);
    }
    return ids;
  }

  // The ids of a file's lines; every line must be one JSON object with the event's fields.
  static std::vector<std::int64_t> ids_in(const std::string& path) {
    std::vector<std::int64_t> ids;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      const json j = json::parse(line, nullptr, false);
      EXPECT_TRUE(j.is_object()) << path << ": not a JSON object: " << line;
      if (!j.is_object()) continue;
      for (const char* key :
           {"id", "at", "type", "deployment", "service", "environment", "version", "data"}) {
        EXPECT_TRUE(j.contains(key)) << path << ": no " << key << " in " << line;
      }
      ids.push_back(j.value("id", std::int64_t{0}));
    }
    return ids;
  }

  static std::vector<std::int64_t> concat(std::vector<std::int64_t> a,
                                          const std::vector<std::int64_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  gantry::testing::TempDir dir_{"gantry-event-log"};
  std::unique_ptr<store::Store> store_;
};

TEST_F(EventLogTest, WritesEveryEventOnceAsOneJsonLine) {
  const auto before = append(5);  // written before it started: it has never logged anything
  auto log = start(options());
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->flush());
  EXPECT_EQ(ids_in(file()), before);
  const auto after = append(7);
  ASSERT_TRUE(log->flush());
  ASSERT_TRUE(log->flush());  // nothing new: nothing written twice
  EXPECT_EQ(ids_in(file()), concat(before, after));

  std::ifstream in(file());
  std::string first;
  std::getline(in, first);
  const json j = json::parse(first);
  EXPECT_EQ(j["type"], "replica.started");
  EXPECT_EQ(j["service"], "api");
  EXPECT_EQ(j["at"], "2025-12-02T01:46:40.000Z");
  EXPECT_EQ(j["data"]["i"], 0);
}

TEST_F(EventLogTest, CreatesItsFileOwnerOnly) {
  auto log = start(options());
  ASSERT_NE(log, nullptr);
  struct stat st {};
  ASSERT_EQ(::stat(file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(EventLogTest, WritesSoonAfterAPokeOnItsOwnThread) {
  auto log = start(options());
  ASSERT_NE(log, nullptr);
  const auto ids = append(3);
  log->poke();
  EXPECT_TRUE(wait_until([&] { return ids_in(file()).size() == ids.size(); }))
      << gantry::testing::read_file(file());
  EXPECT_EQ(ids_in(file()), ids);
}

TEST_F(EventLogTest, WritesWhatIsPendingWhenDestroyed) {
  auto log = start(options());
  ASSERT_NE(log, nullptr);
  const auto ids = append(4);
  log.reset();
  EXPECT_EQ(ids_in(file()), ids);
}

TEST_F(EventLogTest, ResumesFromItsCursorWithoutDuplicatesOrGaps) {
  std::vector<std::int64_t> all;
  for (int round = 0; round < 3; ++round) {
    const auto ids = append(10 + round);
    all = concat(all, ids);
    auto log = start(options());
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(log->flush());
    if (round == 1) all = concat(all, append(2));  // more while it runs, left for its destructor
  }
  // Events written while no log ran are there too.
  all = concat(all, append(3));
  {
    auto log = start(options());
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(log->flush());
  }
  EXPECT_EQ(ids_in(file()), all);
  auto cursor = store_->get_cursor("events.jsonl");
  ASSERT_TRUE(cursor) << cursor.error().str();
  EXPECT_EQ(*cursor, all.back());
}

TEST_F(EventLogTest, RotatesPastMaxSizeAndKeepsOnlyKeepFiles) {
  constexpr std::uint64_t kMaxSize = 4096;
  constexpr int kKeep = 2;
  auto log = start(options(kMaxSize, kKeep));
  ASSERT_NE(log, nullptr);
  // About 200 bytes a line: 4096 bytes hold ~20, so 150 events rotate ~7 times.
  std::vector<std::int64_t> ids;
  for (int batch = 0; batch < 5; ++batch) {
    ids = concat(ids, append(30, 100));
    ASSERT_TRUE(log->flush());
  }
  const std::string f = file();
  ASSERT_TRUE(std::filesystem::exists(f + ".1"));
  ASSERT_TRUE(std::filesystem::exists(f + ".2"));
  EXPECT_FALSE(std::filesystem::exists(f + ".3")) << "keep is " << kKeep;
  for (const auto& path : {f, f + ".1", f + ".2"}) {
    EXPECT_LE(std::filesystem::file_size(path), kMaxSize) << path;
    EXPECT_GT(std::filesystem::file_size(path), 0u) << path;
  }
  // Oldest to newest: .2, .1, the file; together the newest events, consecutive, ending at the
  // last one (the oldest were rotated away).
  const auto kept = concat(concat(ids_in(f + ".2"), ids_in(f + ".1")), ids_in(f));
  ASSERT_FALSE(kept.empty());
  ASSERT_LT(kept.size(), ids.size()) << "nothing was rotated away";
  const std::vector<std::int64_t> newest(ids.end() - static_cast<std::ptrdiff_t>(kept.size()),
                                         ids.end());
  EXPECT_EQ(kept, newest);
  // Full files hold as many lines as fit: none of .2 and .1 was cut short by more than a line.
  for (const auto& path : {f + ".1", f + ".2"}) {
    EXPECT_GT(std::filesystem::file_size(path), kMaxSize - 400) << path;
  }
}

TEST_F(EventLogTest, ContinuesARotatedLogAfterARestart) {
  constexpr std::uint64_t kMaxSize = 4096;
  std::vector<std::int64_t> ids;
  {
    auto log = start(options(kMaxSize, 3));
    ASSERT_NE(log, nullptr);
    ids = append(30, 100);
    ASSERT_TRUE(log->flush());
  }
  const auto size_before = std::filesystem::file_size(file());
  ASSERT_LT(size_before, kMaxSize);
  {
    auto log = start(options(kMaxSize, 3));
    ASSERT_NE(log, nullptr);
    ids = concat(ids, append(30, 100));
    ASSERT_TRUE(log->flush());
  }
  const std::string f = file();
  EXPECT_FALSE(std::filesystem::exists(f + ".4"));
  std::vector<std::int64_t> kept;
  for (int i = 3; i >= 1; --i) {
    const std::string path = f + "." + std::to_string(i);
    if (std::filesystem::exists(path)) {
      EXPECT_LE(std::filesystem::file_size(path), kMaxSize) << path;
      kept = concat(kept, ids_in(path));
    }
  }
  EXPECT_LE(std::filesystem::file_size(f), kMaxSize) << "the size it had was counted";
  kept = concat(kept, ids_in(f));
  EXPECT_EQ(kept, ids);  // 60 lines of ~200 bytes fit in 4 files: nothing dropped yet
}

TEST_F(EventLogTest, RefusesAFileItCannotOpen) {
  auto o = options();
  o.file = dir_ / "no-such-dir/events.jsonl";
  auto log = EventLog::start(o);
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().str().find("no-such-dir/events.jsonl"), std::string::npos)
      << log.error().str();
}

}  // namespace
}  // namespace gantry::telemetry
