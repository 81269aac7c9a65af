// The store's event stream, cursors, notification outbox and API tokens (conformance, for every
// backend), and SQLite's migration 3 of a database that already holds events at schema 2.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "store/sqlite_migrations.h"
#include "store/store_conformance.h"
#include "support/temp_dir.h"

namespace gantry::store::testing {
namespace {

DeploymentEvent event(const std::string& deployment, const std::string& type,
                      const std::string& service = "", std::int64_t at_ms = 100) {
  DeploymentEvent e;
  e.deployment_id = deployment;
  e.at_ms = at_ms;
  e.type = type;
  e.data_json = "{\"n\":1}";
  e.service = service;
  e.environment = service.empty() ? "" : "production";
  e.version = service.empty() ? "" : "v1";
  return e;
}

OutboxItem outbox_item(const std::string& sink, std::int64_t event_id, std::int64_t due_ms) {
  OutboxItem o;
  o.sink = sink;
  o.event_id = event_id;
  o.created_at_ms = 10;
  o.next_attempt_at_ms = due_ms;
  return o;
}

ApiToken token(const std::string& id, const std::string& name, std::int64_t at_ms = 1000) {
  return ApiToken{id, name, "read", "ab12", at_ms, "cli:uid=1000", std::nullopt};
}

std::vector<std::int64_t> ids_of(const std::vector<DeploymentEvent>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) out.push_back(e.id);
  return out;
}

TEST_P(StoreConformance, KeepsEventsOutsideADeploymentWithTheirServiceAndVersion) {
  auto replica = store_->append_event(event("", "replica.started", "api"));
  ASSERT_TRUE(replica) << replica.error().str();
  auto project = store_->append_event(event("", "secret.rotated"));
  ASSERT_TRUE(project) << project.error().str();
  auto all = store_->list_events_since(0, 0);
  ASSERT_TRUE(all) << all.error().str();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], *replica);
  EXPECT_EQ((*all)[0].deployment_id, "");
  EXPECT_EQ((*all)[0].service, "api");
  EXPECT_EQ((*all)[0].environment, "production");
  EXPECT_EQ((*all)[0].version, "v1");
  EXPECT_EQ((*all)[1], *project);
  EXPECT_EQ((*all)[1].service, "");
}

TEST_P(StoreConformance, ListsTheWholeStreamAfterAnIdOldestFirst) {
  const auto rev = revision("api", 1);
  ASSERT_TRUE(store_->put_revision(rev));
  ASSERT_TRUE(store_->put_deployment(deployment("d-1", rev)));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 6; ++i) {
    auto e = store_->append_event(i % 2 ? event("d-1", "phase.changed", "api")
                                        : event("", "replica.started", "api"));
    ASSERT_TRUE(e) << e.error().str();
    ids.push_back(e->id);
  }
  for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i - 1], ids[i]);

  auto all = store_->list_events_since(0, 0);  // 0 = no limit
  ASSERT_TRUE(all);
  EXPECT_EQ(ids_of(*all), ids);
  auto page = store_->list_events_since(ids[1], 3);
  ASSERT_TRUE(page);
  EXPECT_EQ(ids_of(*page), (std::vector<std::int64_t>{ids[2], ids[3], ids[4]}));
  auto past_end = store_->list_events_since(ids.back(), 10);
  ASSERT_TRUE(past_end);
  EXPECT_TRUE(past_end->empty());
  // A deployment's own list still holds only its events.
  auto mine = store_->list_events("d-1", 0);
  ASSERT_TRUE(mine);
  EXPECT_EQ(ids_of(*mine), (std::vector<std::int64_t>{ids[1], ids[3], ids[5]}));
}

TEST_P(StoreConformance, KnowsTheLastEventIdAcrossReopen) {
  auto none = store_->last_event_id();
  ASSERT_TRUE(none) << none.error().str();
  EXPECT_EQ(*none, 0);
  ASSERT_TRUE(store_->append_event(event("", "replica.started", "api")));
  auto second = store_->append_event(event("", "replica.exited", "api"));
  ASSERT_TRUE(second);
  EXPECT_EQ(*store_->last_event_id(), second->id);
  store_ = reopen();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(*store_->last_event_id(), second->id);
  auto third = store_->append_event(event("", "replica.started", "api"));
  ASSERT_TRUE(third);
  EXPECT_GT(third->id, second->id) << "an id was handed out twice";
}

TEST_P(StoreConformance, KeepsADeploymentsCommitTime) {
  const auto rev = revision("api", 1);
  ASSERT_TRUE(store_->put_revision(rev));
  auto unknown = deployment("d-1", rev);
  auto known = deployment("d-2", rev);
  known.commit_time_ms = 1'700'000'000'123;
  ASSERT_TRUE(store_->put_deployment(unknown));
  ASSERT_TRUE(store_->put_deployment(known));
  auto got_unknown = store_->get_deployment("d-1");
  auto got_known = store_->get_deployment("d-2");
  ASSERT_TRUE(got_unknown && got_unknown->has_value());
  ASSERT_TRUE(got_known && got_known->has_value());
  EXPECT_EQ((*got_unknown)->commit_time_ms, std::nullopt);
  EXPECT_EQ((*got_known)->commit_time_ms, 1'700'000'000'123);
  EXPECT_EQ(**got_known, known);
}

TEST_P(StoreConformance, FiltersDeploymentsByStartAndListsAllWithLimitZero) {
  const auto rev = revision("api", 1);
  ASSERT_TRUE(store_->put_revision(rev));
  for (int i = 1; i <= 60; ++i) {
    auto d = deployment("d-" + std::to_string(i), rev);
    d.started_at_ms = i * 1000;
    ASSERT_TRUE(store_->put_deployment(d));
  }
  DeploymentFilter all;
  all.limit = 0;
  auto everything = store_->list_deployments(all);
  ASSERT_TRUE(everything) << everything.error().str();
  EXPECT_EQ(everything->size(), 60u) << "limit 0 is no limit";
  EXPECT_EQ(everything->front().id, "d-60");

  DeploymentFilter recent;
  recent.limit = 0;
  recent.since_ms = 58'000;  // at or after
  auto since = store_->list_deployments(recent);
  ASSERT_TRUE(since);
  ASSERT_EQ(since->size(), 3u);
  EXPECT_EQ((*since)[0].id, "d-60");
  EXPECT_EQ((*since)[2].id, "d-58");

  DeploymentFilter default_page;  // limit 50
  EXPECT_EQ(store_->list_deployments(default_page)->size(), 50u);
}

TEST_P(StoreConformance, KeepsNamedCursorsAcrossReopen) {
  auto never = store_->get_cursor("events.jsonl");
  ASSERT_TRUE(never) << never.error().str();
  EXPECT_EQ(*never, 0);
  ASSERT_TRUE(store_->set_cursor("events.jsonl", 41));
  ASSERT_TRUE(store_->set_cursor("events.jsonl", 42));  // moved again
  ASSERT_TRUE(store_->set_cursor("notify", 7));
  EXPECT_EQ(*store_->get_cursor("events.jsonl"), 42);
  EXPECT_EQ(*store_->get_cursor("notify"), 7);
  // A cursor named like a sequence is not that sequence.
  ASSERT_TRUE(store_->set_cursor("deployment", 99));
  EXPECT_EQ(*store_->next_deployment_sequence(), 1);
  EXPECT_EQ(*store_->get_cursor("deployment"), 99);
  store_ = reopen();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(*store_->get_cursor("events.jsonl"), 42);
  EXPECT_EQ(*store_->get_cursor("notify"), 7);
}

TEST_P(StoreConformance, EnqueuesOneOutboxItemPerSinkAndEvent) {
  auto first = store_->enqueue_outbox(outbox_item("slack", 5, 100));
  ASSERT_TRUE(first) << first.error().str();
  auto other_sink = store_->enqueue_outbox(outbox_item("hook", 5, 100));
  ASSERT_TRUE(other_sink);
  EXPECT_NE(*other_sink, *first);
  // The same (sink, event) again: the id of the one there, which is left as it was.
  auto again = store_->enqueue_outbox(outbox_item("slack", 5, 999));
  ASSERT_TRUE(again) << again.error().str();
  EXPECT_EQ(*again, *first);
  auto list = store_->list_outbox(0);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  for (const auto& item : *list) {
    EXPECT_EQ(item.next_attempt_at_ms, 100) << item.sink;
    EXPECT_EQ(item.status, "pending");
  }
}

TEST_P(StoreConformance, HandsOutDueOutboxItemsOldestDueFirst) {
  auto late = store_->enqueue_outbox(outbox_item("slack", 1, 300));
  auto early = store_->enqueue_outbox(outbox_item("slack", 2, 100));
  auto tie = store_->enqueue_outbox(outbox_item("hook", 3, 100));
  auto future = store_->enqueue_outbox(outbox_item("hook", 4, 5000));
  ASSERT_TRUE(late && early && tie && future);

  auto due = store_->due_outbox(300, 0);
  ASSERT_TRUE(due) << due.error().str();
  std::vector<std::int64_t> order;
  for (const auto& o : *due) order.push_back(o.id);
  EXPECT_EQ(order, (std::vector<std::int64_t>{*early, *tie, *late}));  // ties by id
  auto first_two = store_->due_outbox(300, 2);
  ASSERT_TRUE(first_two);
  EXPECT_EQ(first_two->size(), 2u);
  EXPECT_TRUE(store_->due_outbox(99, 0)->empty());
  EXPECT_EQ(*store_->next_outbox_due(), std::optional<std::int64_t>(100));

  // Delivered and given-up items are never due again; a retry moves its time.
  auto items = *store_->list_outbox(0);
  for (auto& o : items) {
    if (o.id == *early) {
      o.status = "delivered";
      o.attempts = 1;
      o.done_at_ms = 150;
    } else if (o.id == *tie) {
      o.status = "given_up";
      o.attempts = 5;
      o.last_error = "HTTP 500";
      o.done_at_ms = 160;
    } else if (o.id == *late) {
      o.attempts = 1;
      o.last_error = "timed out";
      o.next_attempt_at_ms = 900;
    } else {
      continue;
    }
    ASSERT_TRUE(store_->update_outbox(o)) << o.id;
  }
  auto after = store_->due_outbox(1000, 0);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, *late);
  EXPECT_EQ((*after)[0].attempts, 1);
  EXPECT_EQ((*after)[0].last_error, "timed out");
  EXPECT_EQ(*store_->next_outbox_due(), std::optional<std::int64_t>(900));

  // list_outbox: newest first, any status, every field kept.
  auto list = store_->list_outbox(2);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, *future);
  EXPECT_EQ((*list)[1].id, *tie);
  EXPECT_EQ((*list)[1].status, "given_up");
  EXPECT_EQ((*list)[1].done_at_ms, std::optional<std::int64_t>(160));
  EXPECT_EQ((*list)[1].last_error, "HTTP 500");
}

TEST_P(StoreConformance, SaysWhenNoOutboxItemIsPending) {
  auto empty = store_->next_outbox_due();
  ASSERT_TRUE(empty) << empty.error().str();
  EXPECT_EQ(*empty, std::nullopt);
  auto id = store_->enqueue_outbox(outbox_item("slack", 1, 100));
  ASSERT_TRUE(id);
  auto item = (*store_->list_outbox(1))[0];
  item.status = "delivered";
  item.done_at_ms = 120;
  ASSERT_TRUE(store_->update_outbox(item));
  EXPECT_EQ(*store_->next_outbox_due(), std::nullopt);

  OutboxItem missing = item;
  missing.id = 12345;
  auto st = store_->update_outbox(missing);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::NotFound);
}

TEST_P(StoreConformance, KeepsTheOutboxAcrossReopen) {
  ASSERT_TRUE(store_->enqueue_outbox(outbox_item("slack", 9, 100)));
  store_ = reopen();
  ASSERT_NE(store_, nullptr);
  auto due = store_->due_outbox(100, 0);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].event_id, 9);
  EXPECT_EQ((*due)[0].sink, "slack");
}

TEST_P(StoreConformance, KeepsApiTokensAndRefusesATakenName) {
  const auto ci = token("0123456789ab", "ci");
  ASSERT_TRUE(store_->put_token(ci));
  auto got = store_->get_token("0123456789ab");
  ASSERT_TRUE(got) << got.error().str();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, ci);
  auto unknown = store_->get_token("ffffffffffff");
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->has_value());

  auto taken = store_->put_token(token("ba9876543210", "ci"));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::Conflict);
  EXPECT_NE(taken.error().message.find("ci"), std::string::npos) << taken.error().message;

  ASSERT_TRUE(store_->put_token(token("aaaaaaaaaaaa", "dashboard", 500)));
  auto list = store_->list_tokens();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "dashboard");  // oldest first
  EXPECT_EQ((*list)[1].name, "ci");
}

TEST_P(StoreConformance, RevokesATokenByNameOrById) {
  ASSERT_TRUE(store_->put_token(token("0123456789ab", "ci")));
  ASSERT_TRUE(store_->put_token(token("aaaaaaaaaaaa", "dashboard")));
  ASSERT_TRUE(store_->revoke_token("ci", 2000)) << "by name";
  ASSERT_TRUE(store_->revoke_token("aaaaaaaaaaaa", 3000)) << "by id";
  auto ci = store_->get_token("0123456789ab");
  auto dashboard = store_->get_token("aaaaaaaaaaaa");
  ASSERT_TRUE(ci && ci->has_value() && dashboard && dashboard->has_value());
  EXPECT_EQ((*ci)->revoked_at_ms, std::optional<std::int64_t>(2000));
  EXPECT_EQ((*dashboard)->revoked_at_ms, std::optional<std::int64_t>(3000));

  // Revoked is revoked: once, and the time stays the first one.
  auto twice = store_->revoke_token("ci", 4000);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::NotFound);
  EXPECT_EQ((*store_->get_token("0123456789ab"))->revoked_at_ms, std::optional<std::int64_t>(2000));
  auto unknown = store_->revoke_token("nobody", 4000);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
  // A revoked token keeps its name.
  auto reuse = store_->put_token(token("bbbbbbbbbbbb", "ci"));
  ASSERT_FALSE(reuse);
  EXPECT_EQ(reuse.error().code, ErrorCode::Conflict);
  EXPECT_EQ(store_->list_tokens()->size(), 2u);
}

// --- SQLite: migration 3 of a database that a gantry at schema 2 wrote. ---

void exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  ASSERT_EQ(rc, SQLITE_OK) << (message ? message : "") << "\n" << sql;
  sqlite3_free(message);
}

// A database at schema 2, as the migrations up to 2 made it, holding two deployments of two
// services and events with gaps in their ids (an id is a resume point: it must not change).
void make_schema_2_database(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  for (const auto& m : sqlite_migrations()) {
    if (m.version > 2) break;
    exec(db, std::string(m.sql));
  }
  exec(db, "PRAGMA user_version = 2");
  exec(db,
       "INSERT INTO revisions VALUES"
       " ('api-r1', 'api', 'production', 1, 'v1', '{}', 'h1', 1000, 'sha256:aa'),"
       " ('web-r1', 'web', 'staging', 1, 'w7', '{}', 'h2', 1000, '');"
       "INSERT INTO deployments VALUES"
       " ('d-000001', 'api', 'production', 'api-r1', NULL, 'canary', 'v1', 'abc', 'cli', 1000,"
       "  2000, 'succeeded', 1.0, 0, '', '{}'),"
       " ('d-000002', 'web', 'staging', 'web-r1', NULL, 'rolling', 'w7', 'def', 'cli', 3000,"
       "  NULL, 'progressing', 1.0, 0, '', '{}');"
       "INSERT INTO deployment_events (id, deployment_id, at_ms, type, data_json) VALUES"
       " (3, 'd-000001', 1001, 'deployment.started', '{\"strategy\":\"canary\"}'),"
       " (4, 'd-000001', 1500, 'weight.changed', '{\"weight\":10}'),"
       " (8, 'd-000002', 3001, 'deployment.started', '{}'),"
       " (12, 'd-000001', 2000, 'deployment.succeeded', '{}');");
  sqlite3_close(db);
}

TEST(SqliteMigration3, KeepsEventIdsAndFillsServiceEnvironmentVersionFromTheDeployment) {
  gantry::testing::TempDir dir("gantry-migration3");
  const std::string path = dir / "state.db";
  make_schema_2_database(path);
  if (::testing::Test::HasFatalFailure()) return;

  auto store = open_sqlite(path);
  ASSERT_TRUE(store) << store.error().str();
  EXPECT_EQ(*(*store)->schema_version(), sqlite_migrations().back().version);
  auto events = (*store)->list_events_since(0, 0);
  ASSERT_TRUE(events) << events.error().str();
  ASSERT_EQ(events->size(), 4u);
  const std::vector<DeploymentEvent> want = {
      {3, "d-000001", 1001, "deployment.started", "{\"strategy\":\"canary\"}", "api", "production",
       "v1"},
      {4, "d-000001", 1500, "weight.changed", "{\"weight\":10}", "api", "production", "v1"},
      {8, "d-000002", 3001, "deployment.started", "{}", "web", "staging", "w7"},
      {12, "d-000001", 2000, "deployment.succeeded", "{}", "api", "production", "v1"},
  };
  EXPECT_EQ(*events, want);
  EXPECT_EQ(*(*store)->last_event_id(), 12);
  auto of_web = (*store)->list_events("d-000002", 0);
  ASSERT_TRUE(of_web);
  ASSERT_EQ(of_web->size(), 1u);
  EXPECT_EQ((*of_web)[0].id, 8);

  // The stream goes on past the old ids, and now takes events of no deployment.
  auto next = (*store)->append_event({0, "", 4000, "replica.started", "{}", "api", "", "v1"});
  ASSERT_TRUE(next) << next.error().str();
  EXPECT_GT(next->id, 12);
  // The old deployments are there, with an unknown commit time; the new tables work.
  auto d = (*store)->get_deployment("d-000001");
  ASSERT_TRUE(d && d->has_value());
  EXPECT_EQ((*d)->status, DeploymentStatus::Succeeded);
  EXPECT_EQ((*d)->commit_time_ms, std::nullopt);
  EXPECT_TRUE((*store)->enqueue_outbox(outbox_item("slack", 12, 100)));
  EXPECT_TRUE((*store)->put_token(token("0123456789ab", "ci")));
  auto revision = (*store)->get_revision("api-r1");
  ASSERT_TRUE(revision && revision->has_value());
  EXPECT_EQ((*revision)->artifact_digest, "sha256:aa");
}

TEST(SqliteMigration3, MigratesAnEmptySchema2DatabaseAndOpensItAgain) {
  gantry::testing::TempDir dir("gantry-migration3");
  const std::string path = dir / "state.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    for (const auto& m : sqlite_migrations()) {
      if (m.version <= 2) exec(db, std::string(m.sql));
    }
    exec(db, "PRAGMA user_version = 2");
    sqlite3_close(db);
  }
  {
    auto store = open_sqlite(path);
    ASSERT_TRUE(store) << store.error().str();
    EXPECT_EQ(*(*store)->last_event_id(), 0);
    ASSERT_TRUE((*store)->append_event({0, "", 1, "replica.started", "{}", "api", "", ""}));
  }
  auto again = open_sqlite(path);  // at 3 already: nothing to do, nothing lost
  ASSERT_TRUE(again) << again.error().str();
  EXPECT_EQ(*(*again)->schema_version(), sqlite_migrations().back().version);
  EXPECT_EQ(*(*again)->last_event_id(), 1);
}

}  // namespace
}  // namespace gantry::store::testing
