// Choosing where a request goes: a version (override header, sticky key by weighted rendezvous
// hashing, or weighted random) and a replica (least outstanding). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "proxy/routing_table.h"

namespace gantry::proxy {

// FNV-1a, 64-bit (offset 0xcbf29ce484222325, prime 0x100000001b3). Fixed forever: sticky
// assignments depend on it, so changing it moves clients between versions.
std::uint64_t fnv1a64(std::string_view bytes);
// MurmurHash3's fmix64 finalizer: a bijection that spreads every input bit over the output.
std::uint64_t mix64(std::uint64_t x);
// The key's hash as the router uses it: mix64(fnv1a64(key)).
std::uint64_t sticky_hash(std::string_view key);

// Why a version was chosen.
enum class ChoiceReason { Override, Sticky, Random };

struct VersionChoice {
  std::size_t index = 0;  // into ServiceRoute::versions()
  ChoiceReason reason = ChoiceReason::Random;
};

struct VersionRequest {
  std::string_view sticky_key;      // from the cookie or header of the sticky policy; "" = none
  std::string_view override_value;  // value of the override header; "" = absent
  bool peer_is_loopback = false;    // for OverrideHeader::loopback_only
  std::uint64_t random = 0;         // caller's random bits, used when there is no key
};

// The version for one request:
//  1. override: when the route's override header is enabled (and, if loopback_only, the peer
//     is loopback) and its value names an existing version, that version, whatever its weight;
//  2. sticky key: weighted rendezvous hashing. Each version with weight w > 0 scores
//     -ln(u_v) / w, where u_v in (0,1) comes from mix64(sticky_hash(key) ^ version_seed); the
//     lowest score wins. A version wins with probability w / 100, and the choice is monotone:
//     a key moves from A to B only if A's weight fell or B's rose — raising a canary only moves
//     clients onto it, never back and forth, for any number of versions, with no ordering to
//     agree on. A version at weight 0 never wins, so its keys are reassigned.
//  3. otherwise weighted random from `random` over the versions in table order.
VersionChoice choose_version(const ServiceRoute& route, const VersionRequest& request);
// Shorthand without override header.
VersionChoice choose_version(const ServiceRoute& route, std::string_view sticky_key,
                             std::uint64_t random);

// Among replicas with these outstanding request counts, the one with the fewest; ties broken
// uniformly by `random`. nullopt when there are no replicas.
std::optional<std::size_t> choose_replica(std::span<const std::uint32_t> outstanding,
                                          std::uint64_t random);

// A fresh sticky key (16 hex digits) for a client without one; the data path sets it as the
// cookie. `random` must come from a good source (the worker's PRNG seeded from the OS).
std::string make_sticky_key(std::uint64_t random);

}  // namespace gantry::proxy
