// Version choice (override, weighted rendezvous hashing, weighted random) and replica choice.
#include "proxy/sticky.h"

#include <cmath>
#include <limits>

namespace gantry::proxy {
namespace {

// A uniform index in [0, n) from 64 random bits (multiply-shift on the high 32 bits).
std::uint64_t scaled(std::uint64_t random, std::uint64_t n) { return ((random >> 32) * n) >> 32; }

// 53 bits of x as a double strictly inside (0, 1), so that log() is finite and negative.
double open_unit(std::uint64_t x) {
  return (static_cast<double>(x >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

std::size_t sticky_index(const ServiceRoute& route, std::uint64_t key_hash) {
  const auto versions = route.versions();
  std::size_t best = 0;
  double best_score = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const int w = versions[i].weight;
    if (w <= 0) continue;
    if (w == 100) return i;
    const double score = -std::log(open_unit(mix64(key_hash ^ route.version_seed(i)))) / w;
    if (score < best_score) {
      best_score = score;
      best = i;
    }
  }
  return best;
}

std::size_t random_index(const ServiceRoute& route, std::uint64_t random) {
  const auto versions = route.versions();
  const auto point = static_cast<int>(scaled(random, 100));  // weights sum to 100
  int upto = 0;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    upto += versions[i].weight;
    if (point < upto) return i;
  }
  return versions.size() - 1;  // unreachable for a validated route
}

}  // namespace

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

std::uint64_t sticky_hash(std::string_view key) { return mix64(fnv1a64(key)); }

VersionChoice choose_version(const ServiceRoute& route, const VersionRequest& request) {
  const auto& header = route.override_header();
  if (header.enabled && !request.override_value.empty() &&
      (!header.loopback_only || request.peer_is_loopback)) {
    if (auto i = route.find_version(request.override_value)) return {*i, ChoiceReason::Override};
  }
  if (!request.sticky_key.empty()) {
    return {sticky_index(route, sticky_hash(request.sticky_key)), ChoiceReason::Sticky};
  }
  return {random_index(route, request.random), ChoiceReason::Random};
}

VersionChoice choose_version(const ServiceRoute& route, std::string_view sticky_key,
                             std::uint64_t random) {
  VersionRequest request;
  request.sticky_key = sticky_key;
  request.random = random;
  return choose_version(route, request);
}

std::optional<std::size_t> choose_replica(std::span<const std::uint32_t> outstanding,
                                          std::uint64_t random) {
  if (outstanding.empty()) return std::nullopt;
  std::uint32_t least = outstanding[0];
  std::uint64_t ties = 0;
  for (auto n : outstanding) {
    if (n < least) {
      least = n;
      ties = 1;
    } else if (n == least) {
      ++ties;
    }
  }
  auto pick = scaled(random, ties);
  for (std::size_t i = 0; i < outstanding.size(); ++i) {
    if (outstanding[i] == least && pick-- == 0) return i;
  }
  return std::nullopt;  // unreachable
}

std::string make_sticky_key(std::uint64_t random) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key(16, '0');
  for (int i = 15; i >= 0; --i) {
    key[static_cast<std::size_t>(i)] = kHex[random & 0xf];
    random >>= 4;
  }
  return key;
}

}  // namespace gantry::proxy
