// Version choice (weighted random, sticky hashing, override header) and replica choice.
#include "proxy/sticky.h"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>
#include <vector>

namespace gantry::proxy {
namespace {

ServiceRoute make_route(std::vector<std::pair<std::string, int>> weights) {
  ServiceRouteSpec spec;
  spec.service = "api";
  for (auto& [name, w] : weights) spec.versions.push_back({name, w, {}});
  auto route = ServiceRoute::make(spec);
  EXPECT_TRUE(route) << route.error().str();
  return std::move(route).value();
}

std::vector<std::string> keys(int n) {
  std::vector<std::string> out;
  std::mt19937_64 rng(7);
  for (int i = 0; i < n; ++i) out.push_back(make_sticky_key(rng()));
  return out;
}

TEST(StickyHash, IsFnv1aWithAFixedFinalizer) {
  // Published FNV-1a 64 test vectors; if these change, every sticky client moves.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(mix64(0), 0u);
  EXPECT_EQ(sticky_hash("a"), mix64(0xaf63dc4c8601ec8cULL));
}

TEST(ChooseVersion, KeylessNinetyTenSplitLandsWithinOnePercent) {
  auto route = make_route({{"v1", 90}, {"v2", 10}});
  std::mt19937_64 rng(42);
  int canary = 0;
  constexpr int kN = 100'000;
  for (int i = 0; i < kN; ++i) {
    auto choice = choose_version(route, "", rng());
    EXPECT_EQ(choice.reason, ChoiceReason::Random);
    canary += choice.index == 1;
  }
  EXPECT_NEAR(canary / double(kN), 0.10, 0.01);
}

TEST(ChooseVersion, StickyKeysOnlyMoveOntoTheCanaryAsItsWeightRises) {
  const auto clients = keys(10'000);
  std::vector<std::size_t> before(clients.size(), 0);  // everyone starts on v1 at 100/0
  for (int canary : {0, 10, 25, 50, 75, 100}) {
    auto route = make_route({{"v1", 100 - canary}, {"v2", canary}});
    int on_canary = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      auto choice = choose_version(route, clients[i], 0);
      EXPECT_EQ(choice.reason, ChoiceReason::Sticky);
      if (before[i] == 1) {
        ASSERT_EQ(choice.index, 1u) << "client " << clients[i] << " left the canary at " << canary;
      }
      // Stable: the same key gets the same answer whatever the random value.
      ASSERT_EQ(choose_version(route, clients[i], 12345).index, choice.index);
      before[i] = choice.index;
      on_canary += choice.index == 1;
    }
    EXPECT_NEAR(on_canary / double(clients.size()), canary / 100.0, 0.02) << "weight " << canary;
  }
}

TEST(ChooseVersion, WithThreeVersionsKeysOnlyLeaveFallingAndJoinRisingVersions) {
  // v3 (newest) takes weight from v1: nobody leaves v3 and nobody joins v1. (Some v2 keys move
  // onto v3 and as many v1 keys onto v2: rendezvous hashing moves a little more than the
  // minimum 30 %, but never against the direction of a weight change.)
  const auto clients = keys(10'000);
  auto before = make_route({{"v1", 60}, {"v2", 30}, {"v3", 10}});
  auto after = make_route({{"v1", 30}, {"v2", 30}, {"v3", 40}});
  int moved = 0;
  std::array<int, 3> on{};
  for (const auto& key : clients) {
    auto a = choose_version(before, key, 0).index;
    auto b = choose_version(after, key, 0).index;
    ++on[b];
    if (a == b) continue;
    ++moved;
    EXPECT_NE(a, 2u) << key;
    EXPECT_NE(b, 0u) << key;
  }
  EXPECT_NEAR(on[0] / double(clients.size()), 0.30, 0.02);
  EXPECT_NEAR(on[1] / double(clients.size()), 0.30, 0.02);
  EXPECT_GE(moved / double(clients.size()), 0.28);
  EXPECT_LE(moved / double(clients.size()), 0.45);
}

TEST(ChooseVersion, KeyOnAVersionDroppedToZeroIsReassigned) {
  const auto clients = keys(2'000);
  auto half = make_route({{"v1", 50}, {"v2", 50}});
  auto rolled_back = make_route({{"v1", 100}, {"v2", 0}});
  int were_on_canary = 0;
  for (const auto& key : clients) {
    if (choose_version(half, key, 0).index == 1) ++were_on_canary;
    EXPECT_EQ(choose_version(rolled_back, key, 0).index, 0u);
  }
  EXPECT_GT(were_on_canary, 0);
  auto three = make_route({{"v1", 0}, {"v2", 70}, {"v3", 30}});
  for (const auto& key : clients) EXPECT_NE(choose_version(three, key, 0).index, 0u);
}

TEST(ChooseVersion, OverrideHeaderWinsWhenEnabledEvenAtWeightZero) {
  auto route = make_route({{"v1", 100}, {"v2", 0}});
  VersionRequest request;
  request.override_value = "v2";
  request.sticky_key = "client-1";
  auto choice = choose_version(route, request);
  EXPECT_EQ(choice.index, 1u);
  EXPECT_EQ(choice.reason, ChoiceReason::Override);

  request.override_value = "v9";  // unknown: ignored, the key decides
  choice = choose_version(route, request);
  EXPECT_EQ(choice.index, 0u);
  EXPECT_EQ(choice.reason, ChoiceReason::Sticky);
}

TEST(ChooseVersion, OverrideHeaderIgnoredWhenDisabledOrNotFromLoopback) {
  ServiceRouteSpec spec;
  spec.service = "api";
  spec.versions = {{"v1", 100, {}}, {"v2", 0, {}}};
  spec.override_header.enabled = false;
  auto disabled = std::move(ServiceRoute::make(spec)).value();
  VersionRequest request;
  request.override_value = "v2";
  request.peer_is_loopback = true;
  EXPECT_EQ(choose_version(disabled, request).index, 0u);

  spec.override_header.enabled = true;
  spec.override_header.loopback_only = true;
  auto loopback_only = std::move(ServiceRoute::make(spec)).value();
  EXPECT_EQ(choose_version(loopback_only, request).index, 1u);
  request.peer_is_loopback = false;
  EXPECT_EQ(choose_version(loopback_only, request).index, 0u);
  EXPECT_EQ(choose_version(loopback_only, request).reason, ChoiceReason::Random);
}

TEST(ChooseReplica, PicksLeastOutstanding) {
  std::array<std::uint32_t, 4> counts{3, 1, 4, 2};
  for (std::uint64_t r : {0ULL, ~0ULL, 0x8000000000000000ULL}) {
    EXPECT_EQ(choose_replica(counts, r), 1u);
  }
  EXPECT_EQ(choose_replica(std::span<const std::uint32_t>{}, 0), std::nullopt);
}

TEST(ChooseReplica, BreaksTiesUniformlyByTheRandomValue) {
  std::array<std::uint32_t, 5> counts{2, 0, 5, 0, 0};
  std::array<int, 5> hits{};
  std::mt19937_64 rng(1);
  for (int i = 0; i < 30'000; ++i) ++hits[*choose_replica(counts, rng())];
  EXPECT_EQ(hits[0], 0);
  EXPECT_EQ(hits[2], 0);
  for (int i : {1, 3, 4}) EXPECT_NEAR(hits[i] / 30'000.0, 1 / 3.0, 0.02) << i;
  EXPECT_EQ(choose_replica(counts, 0), 1u);
  EXPECT_EQ(choose_replica(counts, ~0ULL), 4u);
}

TEST(MakeStickyKey, IsSixteenHexDigits) {
  EXPECT_EQ(make_sticky_key(0x0123456789abcdefULL), "0123456789abcdef");
  EXPECT_EQ(make_sticky_key(0), "0000000000000000");
}

}  // namespace
}  // namespace gantry::proxy
