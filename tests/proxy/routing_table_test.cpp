// Routing table validation, lookup, and lock-free publishing under concurrent readers.
#include "proxy/routing_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace gantry::proxy {
namespace {

ServiceRouteSpec two_versions(int stable, int canary) {
  ServiceRouteSpec spec;
  spec.service = "api";
  spec.versions = {{"v1", stable, {{"api-v1-0", "127.0.0.1", 9001}}},
                   {"v2", canary, {{"api-v2-0", "127.0.0.1", 9002}}}};
  return spec;
}

TEST(ServiceRoute, AcceptsWeightsSummingTo100) {
  auto route = ServiceRoute::make(two_versions(90, 10));
  ASSERT_TRUE(route) << route.error().str();
  EXPECT_EQ(route->service(), "api");
  EXPECT_EQ(route->versions().size(), 2u);
  EXPECT_EQ(route->find_version("v2"), 1u);
  EXPECT_EQ(route->find_version("v3"), std::nullopt);
  EXPECT_EQ(route->override_header().name, "X-Gantry-Version");
}

TEST(ServiceRoute, RefusesWeightsNotSummingTo100NamingVersionsAndSum) {
  auto route = ServiceRoute::make(two_versions(80, 10));
  ASSERT_FALSE(route);
  EXPECT_EQ(route.error().code, ErrorCode::Invalid);
  EXPECT_NE(route.error().message.find("sum to 100, got 90"), std::string::npos)
      << route.error().message;
  EXPECT_NE(route.error().message.find("v1=80, v2=10"), std::string::npos) << route.error().message;
  EXPECT_NE(route.error().message.find("'api'"), std::string::npos);
}

TEST(ServiceRoute, RefusesWeightOutsideRange) {
  auto route = ServiceRoute::make(two_versions(110, -10));
  ASSERT_FALSE(route);
  EXPECT_NE(route.error().message.find("outside 0..100"), std::string::npos);
}

TEST(ServiceRoute, RefusesDuplicateAndEmptyVersionNames) {
  auto dup = two_versions(50, 50);
  dup.versions[1].name = "v1";
  ASSERT_FALSE(ServiceRoute::make(dup));
  EXPECT_NE(ServiceRoute::make(dup).error().message.find("'v1' appears twice"), std::string::npos);
  auto empty = two_versions(50, 50);
  empty.versions[0].name = "";
  EXPECT_FALSE(ServiceRoute::make(empty));
  ServiceRouteSpec none;
  none.service = "api";
  EXPECT_FALSE(ServiceRoute::make(none));
}

TEST(ServiceRoute, RefusesBadReplicas) {
  auto port = two_versions(50, 50);
  port.versions[0].replicas[0].port = 0;
  EXPECT_FALSE(ServiceRoute::make(port));
  auto host = two_versions(50, 50);
  host.versions[0].replicas[0].host = "";
  EXPECT_FALSE(ServiceRoute::make(host));
  auto dup = two_versions(50, 50);
  dup.versions[0].replicas.push_back(dup.versions[0].replicas[0]);
  EXPECT_FALSE(ServiceRoute::make(dup));
}

TEST(ServiceRoute, AllowsAVersionWithoutReplicasOrWithWeightZero) {
  auto spec = two_versions(100, 0);
  spec.versions[1].replicas.clear();
  EXPECT_TRUE(ServiceRoute::make(spec));
}

TEST(ServiceRoute, StickyAndOverrideNeedNames) {
  auto sticky = two_versions(50, 50);
  sticky.sticky.mode = StickyMode::Cookie;
  EXPECT_FALSE(ServiceRoute::make(sticky));
  sticky.sticky.name = "gantry-version";
  EXPECT_TRUE(ServiceRoute::make(sticky));
  auto header = two_versions(50, 50);
  header.override_header.name = "";
  EXPECT_FALSE(ServiceRoute::make(header));
  header.override_header.enabled = false;
  EXPECT_TRUE(ServiceRoute::make(header));
}

ServiceRoute route_for(const std::string& service, int stable, int canary) {
  auto spec = two_versions(stable, canary);
  spec.service = service;
  return std::move(ServiceRoute::make(spec)).value();
}

TEST(RoutingTable, FindsServicesByName) {
  auto table = RoutingTable::make({route_for("web", 100, 0), route_for("api", 90, 10)});
  ASSERT_TRUE(table);
  ASSERT_NE(table->find("api"), nullptr);
  EXPECT_EQ(table->find("api")->versions()[1].weight, 10);
  ASSERT_NE(table->find("web"), nullptr);
  EXPECT_EQ(table->find("worker"), nullptr);
  EXPECT_EQ(RoutingTable().find("api"), nullptr);
}

TEST(RoutingTable, RefusesTwoRoutesForOneService) {
  auto table = RoutingTable::make({route_for("api", 100, 0), route_for("api", 90, 10)});
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().code, ErrorCode::Conflict);
}

// A table whose every service carries the same canary weight: a reader that saw a mix of two
// tables would find two different weights.
std::shared_ptr<const RoutingTable> table_with_canary(int canary) {
  std::vector<ServiceRoute> routes;
  for (int s = 0; s < 8; ++s) {
    routes.push_back(route_for("svc" + std::to_string(s), 100 - canary, canary));
  }
  return std::make_shared<const RoutingTable>(std::move(RoutingTable::make(routes)).value());
}

TEST(TableHolder, ReadersSeeWholeTablesWhileAWriterSwaps) {
  TableHolder holder;
  holder.publish(table_with_canary(0));
  std::atomic<bool> stop{false};
  std::atomic<long> bad{0};
  std::atomic<long> reads{0};
  auto check = [&](const RoutingTable& t) {
    if (t.services().size() != 8) {
      ++bad;
      return;
    }
    const int w = t.services()[0].versions()[1].weight;
    for (const auto& s : t.services()) {
      if (s.versions()[1].weight != w || s.versions()[0].weight != 100 - w) ++bad;
    }
  };
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      TableCache cache(holder);
      while (!stop.load(std::memory_order_relaxed)) {
        if (r == 0) {
          check(*holder.load());
        } else {
          check(cache.current());
        }
        reads.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (int i = 1; i <= 2000; ++i) holder.publish(table_with_canary(i % 101));
  while (reads.load() < 1000) std::this_thread::yield();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(holder.generation(), 2001u);
  EXPECT_EQ(holder.load()->services()[0].versions()[1].weight, 2000 % 101);
}

TEST(TableCache, PicksUpTheNewestTableAfterAPublish) {
  TableHolder holder;
  TableCache cache(holder);
  EXPECT_TRUE(cache.current().services().empty());
  holder.publish(table_with_canary(10));
  EXPECT_EQ(cache.current().services()[0].versions()[1].weight, 10);
  holder.publish(table_with_canary(50));
  EXPECT_EQ(cache.current().services()[0].versions()[1].weight, 50);
}

}  // namespace
}  // namespace gantry::proxy
