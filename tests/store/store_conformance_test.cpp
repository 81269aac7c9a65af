// The conformance suite (see store_conformance.h), instantiated for every backend built.
#include "store/store_conformance.h"

#include <gtest/gtest.h>

namespace gantry::store::testing {
namespace {

TEST_P(StoreConformance, StartsAtTheNewestSchemaVersion) {
  auto v = store_->schema_version();
  ASSERT_TRUE(v) << v.error().str();
  EXPECT_GE(*v, 1);
}

TEST_P(StoreConformance, KeepsRevisionsAndFindsThemByHash) {
  ASSERT_TRUE(store_->put_revision(revision("api", 1)));
  ASSERT_TRUE(store_->put_revision(revision("api", 2)));
  auto got = store_->get_revision("api-r1");
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, revision("api", 1));
  auto by_hash = store_->find_revision_by_hash("api", "hash2");
  ASSERT_TRUE(by_hash && by_hash->has_value());
  EXPECT_EQ((*by_hash)->id, "api-r2");
  EXPECT_EQ(*store_->next_revision_number("api"), 3);
  EXPECT_EQ(*store_->next_revision_number("web"), 1);
  auto missing = store_->get_revision("nope");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreConformance, RefusesADuplicateRevisionId) {
  ASSERT_TRUE(store_->put_revision(revision("api", 1)));
  auto again = store_->put_revision(revision("api", 1));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::Conflict);
}

TEST_P(StoreConformance, RecordsARevisionsArtifactDigestOnce) {
  ASSERT_TRUE(store_->put_revision(revision("api", 1)));
  ASSERT_TRUE(store_->set_revision_artifact("api-r1", "sha256:aa"));
  ASSERT_TRUE(store_->set_revision_artifact("api-r1", "sha256:aa"));  // the same again is fine
  auto other = store_->set_revision_artifact("api-r1", "sha256:bb");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::Conflict);
  auto got = store_->get_revision("api-r1");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->artifact_digest, "sha256:aa");
  auto missing = store_->set_revision_artifact("api-r9", "sha256:aa");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
}

TEST_P(StoreConformance, RecordsDeploymentsNewestFirstWithTheirEvents) {
  const auto r1 = revision("api", 1), r2 = revision("api", 2);
  ASSERT_TRUE(store_->put_revision(r1));
  ASSERT_TRUE(store_->put_revision(r2));
  auto d1 = deployment("d-1", r1);
  d1.status = DeploymentStatus::Succeeded;
  d1.completed_at_ms = 5000;
  auto d2 = deployment("d-2", r2);
  d2.from_revision_id = r1.id;
  ASSERT_TRUE(store_->put_deployment(d1));
  ASSERT_TRUE(store_->put_deployment(d2));
  d2.status = DeploymentStatus::RolledBack;
  d2.rollback_reason = "success rate 80% under 99%";
  ASSERT_TRUE(store_->put_deployment(d2));

  auto list = store_->list_deployments({"api", "", 10});
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0], d2);
  EXPECT_EQ((*list)[1], d1);

  auto e1 =
      store_->append_event({0, "d-2", 10, "phase.changed", "{\"to\":\"progressing\"}", "", "", ""});
  auto e2 = store_->append_event({0, "d-2", 11, "weight.changed", "{\"weight\":10}", "", "", ""});
  ASSERT_TRUE(e1 && e2);
  EXPECT_LT(e1->id, e2->id);
  auto after = store_->list_events("d-2", e1->id);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].type, "weight.changed");
}

TEST_P(StoreConformance, RefusesADeploymentOfAnUnknownRevision) {
  auto d = deployment("d-1", revision("api", 9));
  EXPECT_FALSE(store_->put_deployment(d));
}

TEST_P(StoreConformance, RollsBackATransactionThatFails) {
  const auto r1 = revision("api", 1);
  auto st = store_->transaction([&]() -> Status {
    auto put = store_->put_revision(r1);
    if (!put) return put;
    return make_error(ErrorCode::Invalid, "changed my mind");
  });
  ASSERT_FALSE(st);
  auto got = store_->get_revision(r1.id);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->has_value()) << "a failed transaction left a row behind";

  ASSERT_TRUE(store_->transaction([&]() -> Status {
    auto put = store_->put_revision(r1);
    if (!put) return put;
    return store_->transaction([&] { return store_->put_deployment(deployment("d-1", r1)); });
  }));
  EXPECT_TRUE(store_->get_deployment("d-1")->has_value());
}

TEST_P(StoreConformance, TracksReplicasByServiceAndIndex) {
  Replica r{"api", 0, "api-r1", "v1", 4242, 987654, 40001, 4242, "ready", 0, 1000};
  ASSERT_TRUE(store_->put_replica(r));
  r.state = "unhealthy";
  r.restarts = 1;
  ASSERT_TRUE(store_->put_replica(r));
  Replica other{"api", 1, "api-r1", "v1", 4243, 987655, 40002, 4243, "ready", 0, 1000};
  ASSERT_TRUE(store_->put_replica(other));
  auto list = store_->list_replicas();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0], r);
  ASSERT_TRUE(store_->remove_replica("api", 0));
  EXPECT_EQ(store_->list_replicas()->size(), 1u);
}

TEST_P(StoreConformance, HandsOutIncreasingDeploymentNumbersAcrossReopen) {
  EXPECT_EQ(*store_->next_deployment_sequence(), 1);
  EXPECT_EQ(*store_->next_deployment_sequence(), 2);
  store_ = reopen();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(*store_->next_deployment_sequence(), 3);
}

TEST_P(StoreConformance, KeepsEverythingAcrossReopen) {
  ASSERT_TRUE(store_->put_revision(revision("api", 1)));
  ASSERT_TRUE(store_->append_audit({0, 77, "cli:test", "up", "project/shop", "{}"}));
  store_ = reopen();
  ASSERT_NE(store_, nullptr);
  EXPECT_TRUE(store_->get_revision("api-r1")->has_value());
  auto audit = store_->list_audit(10);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "up");
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
                         ::testing::Values(StoreFactory{
                             "sqlite",
                             [](const std::string& dir) -> std::unique_ptr<Store> {
                               auto s = open_sqlite(dir + "/state.db");
                               if (!s) {
                                 ADD_FAILURE() << s.error().str();
                                 return nullptr;
                               }
                               return std::move(*s);
                             }}),
                         [](const auto& info) { return info.param.name; });

}  // namespace gantry::store::testing
