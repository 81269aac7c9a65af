// Internals of artifact digests: an incremental SHA-256 (FIPS 180-4). Included only by
// src/rollout/*.cpp and their tests. Not thread-safe: one object per thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace gantry::rollout::detail {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  // The digest of everything updated so far; the object must not be updated afterwards.
  std::array<std::uint8_t, 32> finish();
  std::string finish_hex();

 private:
  void block(const std::uint8_t* p);

  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t total_ = 0;  // bytes
};

}  // namespace gantry::rollout::detail
