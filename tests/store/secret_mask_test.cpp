// A store with a secret mask never writes a live value: event data, audit detail, a
// deployment's rollback reason and metadata, an outbox error.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "core/mask.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace gantry::store {
namespace {

const std::string kValue = std::string("postgresql://u:") + "Vault-Only-77aa@db/x";

TEST(SqliteStoreMask, WritesStarsInsteadOfALiveValue) {
  gantry::testing::TempDir dir;
  const std::string path = dir / "state.db";
  auto store = open_sqlite(path);
  ASSERT_TRUE(store) << store.error().str();
  auto mask = std::make_shared<SecretMask>();
  mask->set({kValue});
  (*store)->set_secret_mask(mask);

  DeploymentEvent e;
  e.type = "hook.failed";
  e.at_ms = 5;
  e.data_json = "{\"output\":\"connecting to " + kValue + "\"}";
  auto written = (*store)->append_event(e);
  ASSERT_TRUE(written);
  EXPECT_EQ(written->data_json, "{\"output\":\"connecting to ***\"}");
  auto read = (*store)->list_events_since(0, 10);
  ASSERT_TRUE(read && read->size() == 1);
  EXPECT_EQ((*read)[0].data_json, "{\"output\":\"connecting to ***\"}");

  auto audit =
      (*store)->append_audit({0, 6, "cli", "deploy", "service/api", "{\"x\":\"" + kValue + "\"}"});
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->detail_json, "{\"x\":\"***\"}");

  OutboxItem item;
  item.sink = "ops";
  item.event_id = written->id;
  item.created_at_ms = 7;
  item.next_attempt_at_ms = 7;
  item.last_error = "POST " + kValue + " refused";
  auto id = (*store)->enqueue_outbox(item);
  ASSERT_TRUE(id);
  auto outbox = (*store)->list_outbox(10);
  ASSERT_TRUE(outbox && outbox->size() == 1);
  EXPECT_EQ((*outbox)[0].last_error, "POST *** refused");

  store->reset();
  std::ifstream in(path, std::ios::binary);
  const std::string bytes(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(bytes.find(kValue), std::string::npos);
}

TEST(SqliteStoreMask, WithoutAMaskTextIsStoredAsGiven) {
  gantry::testing::TempDir dir;
  auto store = open_sqlite(dir / "state.db");
  ASSERT_TRUE(store);
  DeploymentEvent e;
  e.type = "x";
  e.at_ms = 1;
  e.data_json = "{\"v\":\"" + kValue + "\"}";
  auto written = (*store)->append_event(e);
  ASSERT_TRUE(written);
  EXPECT_EQ(written->data_json, e.data_json);
}

}  // namespace
}  // namespace gantry::store
