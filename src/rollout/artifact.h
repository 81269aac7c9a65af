// Artifact digests: "sha256:<hex>" of a build's output file or directory tree, and the SHA-256
// (FIPS 180-4) behind them. No shared state: each object belongs to one thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace gantry::rollout {

// "sha256:<64 hex digits>". A file: the SHA-256 of its content (what sha256sum prints). A
// directory: the SHA-256 of a listing of its tree, sorted by relative path, each entry's path,
// type, executable bit and content hash folded in; symlinks inside the tree count by their
// target text and are not followed. Errors name the path and the OS reason.
Result<std::string> artifact_digest(const std::string& path);

// The same digest computed in steps, so a large artifact can be hashed on an io thread without
// holding it up: call step() until it yields true (done) or an error.
class ArtifactHasher {
 public:
  explicit ArtifactHasher(std::string path);
  ~ArtifactHasher();
  ArtifactHasher(const ArtifactHasher&) = delete;
  ArtifactHasher& operator=(const ArtifactHasher&) = delete;

  // Reads about max_bytes more of the artifact (the first step also lists a tree). True once
  // the digest is complete.
  Result<bool> step(std::size_t max_bytes = std::size_t{4} << 20);
  // "sha256:<hex>" after step() yielded true; "" before.
  const std::string& digest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The lower-case hex SHA-256 of data.
std::string sha256_hex(std::string_view data);

}  // namespace gantry::rollout
