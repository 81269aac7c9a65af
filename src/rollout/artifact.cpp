// Artifact digests and SHA-256 (FIPS 180-4; no crypto library is installed). A tree's digest is
// the SHA-256 of "gantry-tree-v1\n" followed by one record per entry in byte order of the
// relative path: <type f|d|l><x|-> [<hex of content or link target> ]<path>\0.
#include "rollout/artifact.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "rollout/artifact_impl.h"

namespace gantry::rollout {
namespace detail {
namespace {

constexpr std::array<std::uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

}  // namespace

Sha256::Sha256()
    : h_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19} {}

void Sha256::block(const std::uint8_t* p) {
  std::array<std::uint32_t, 64> w;
  for (int i = 0; i < 16; ++i) {
    w[i] = static_cast<std::uint32_t>(p[4 * i]) << 24 |
           static_cast<std::uint32_t>(p[4 * i + 1]) << 16 |
           static_cast<std::uint32_t>(p[4 * i + 2]) << 8 | static_cast<std::uint32_t>(p[4 * i + 3]);
  }
  for (int i = 16; i < 64; ++i) {
    const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  auto [a, b, c, d, e, f, g, h] = h_;
  for (int i = 0; i < 64; ++i) {
    const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const std::uint32_t ch = (e & f) ^ (~e & g);
    const std::uint32_t t1 = h + s1 + ch + kRound[i] + w[i];
    const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    const std::uint32_t t2 = s0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  const std::array<std::uint32_t, 8> add = {a, b, c, d, e, f, g, h};
  for (int i = 0; i < 8; ++i) h_[i] += add[i];
}

void Sha256::update(std::string_view data) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
  std::size_t n = data.size();
  total_ += n;
  if (used_ > 0) {
    const std::size_t take = std::min(n, buf_.size() - used_);
    std::memcpy(buf_.data() + used_, p, take);
    used_ += take;
    p += take;
    n -= take;
    if (used_ < buf_.size()) return;
    block(buf_.data());
    used_ = 0;
  }
  for (; n >= 64; p += 64, n -= 64) block(p);
  if (n > 0) std::memcpy(buf_.data(), p, n);
  used_ = n;
}

std::array<std::uint8_t, 32> Sha256::finish() {
  const std::uint64_t bits = total_ * 8;
  const std::uint8_t pad = 0x80;
  update(std::string_view(reinterpret_cast<const char*>(&pad), 1));
  const char zero[64] = {};
  update(std::string_view(zero, (used_ <= 56 ? 56 - used_ : 120 - used_)));
  std::uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
  update(std::string_view(reinterpret_cast<const char*>(length), 8));
  std::array<std::uint8_t, 32> out;
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<std::uint8_t>(h_[i] >> (24 - 8 * j));
  }
  return out;
}

std::string Sha256::finish_hex() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (std::uint8_t byte : finish()) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

}  // namespace detail

namespace {

namespace fs = std::filesystem;

struct Entry {
  std::string rel;  // generic form, relative to the root; "" for a single file
  char type = 'f';  // f file, d directory, l symlink
  bool exec = false;
  std::string target;  // symlinks
};

Error os_error(const std::string& path, int err) {
  return make_error(err == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                    path + ": " + std::strerror(err));
}

Error fs_error(const std::string& path, const std::error_code& ec) {
  return make_error(
      ec == std::errc::no_such_file_or_directory ? ErrorCode::NotFound : ErrorCode::Io,
      path + ": " + ec.message());
}

}  // namespace

struct ArtifactHasher::State {
  std::string root;
  bool listed = false;
  bool tree = false;
  std::vector<Entry> entries;
  std::size_t next = 0;
  int fd = -1;
  detail::Sha256 content;  // of the file being read
  detail::Sha256 listing;  // of the tree
  std::string digest;

  ~State() {
    if (fd >= 0) ::close(fd);
  }

  std::string path_of(const Entry& e) const { return tree ? root + "/" + e.rel : root; }

  Status list() {
    listed = true;
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) return os_error(root, errno);
    if (S_ISREG(st.st_mode)) {
      entries.push_back(Entry{});
      return {};
    }
    if (!S_ISDIR(st.st_mode)) {
      return make_error(ErrorCode::Invalid, root + ": not a regular file or a directory");
    }
    tree = true;
    listing.update("gantry-tree-v1\n");
    std::error_code ec;
    fs::recursive_directory_iterator it(root, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const std::string path = it->path().string();
      const auto status = it->symlink_status(ec);
      if (ec) return fs_error(path, ec);
      Entry e;
      e.rel = it->path().lexically_relative(root).generic_string();
      if (fs::is_symlink(status)) {
        e.type = 'l';
        e.target = fs::read_symlink(it->path(), ec).string();
        if (ec) return fs_error(path, ec);
      } else if (fs::is_directory(status)) {
        e.type = 'd';
      } else if (fs::is_regular_file(status)) {
        e.exec = (status.permissions() & fs::perms::owner_exec) != fs::perms::none;
      } else {
        return make_error(ErrorCode::Invalid,
                          path + ": not a regular file, directory or symlink (cannot digest it)");
      }
      entries.push_back(std::move(e));
    }
    if (ec) return fs_error(it == end ? root : it->path().string(), ec);
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.rel < b.rel; });
    return {};
  }

  void fold(const Entry& e, const std::string& hex) {
    listing.update(std::string{e.type, e.exec ? 'x' : '-', ' '});
    if (!hex.empty()) listing.update(hex + " ");
    listing.update(e.rel);
    listing.update(std::string_view("\0", 1));
  }

  // Reads up to `budget` bytes of entries[next]; true when the entry is done.
  Result<bool> advance(std::size_t& budget) {
    const Entry& e = entries[next];
    if (e.type == 'd') {
      fold(e, "");
      budget -= std::min<std::size_t>(budget, 256);
      return true;
    }
    if (e.type == 'l') {
      fold(e, sha256_hex(e.target));
      budget -= std::min<std::size_t>(budget, 256);
      return true;
    }
    const std::string path = path_of(e);
    if (fd < 0) {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (tree ? O_NOFOLLOW : 0));
      if (fd < 0) return os_error(path, errno);
      content = detail::Sha256();
      budget -= std::min<std::size_t>(budget, 256);
    }
    char buf[64 * 1024];
    while (budget > 0) {
      const ssize_t n = ::read(fd, buf, std::min(sizeof buf, budget));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return os_error(path, errno);
      if (n == 0) {
        ::close(fd);
        fd = -1;
        const std::string hex = content.finish_hex();
        if (tree) {
          fold(e, hex);
        } else {
          digest = "sha256:" + hex;
        }
        return true;
      }
      content.update(std::string_view(buf, static_cast<std::size_t>(n)));
      budget -= static_cast<std::size_t>(n);
    }
    return false;
  }
};

ArtifactHasher::ArtifactHasher(std::string path) : state_(std::make_unique<State>()) {
  state_->root = std::move(path);
  while (state_->root.size() > 1 && state_->root.back() == '/') state_->root.pop_back();
}

ArtifactHasher::~ArtifactHasher() = default;

Result<bool> ArtifactHasher::step(std::size_t max_bytes) {
  State& s = *state_;
  if (!s.digest.empty()) return true;
  if (!s.listed) {
    if (auto listed = s.list(); !listed) return listed.error();
  }
  std::size_t budget = std::max<std::size_t>(max_bytes, 1);
  while (s.next < s.entries.size() && budget > 0) {
    auto done = s.advance(budget);
    if (!done) return done.error();
    if (*done) ++s.next;
  }
  if (s.next < s.entries.size()) return false;
  if (s.tree) s.digest = "sha256:" + s.listing.finish_hex();
  return true;
}

const std::string& ArtifactHasher::digest() const { return state_->digest; }

Result<std::string> artifact_digest(const std::string& path) {
  ArtifactHasher hasher(path);
  while (true) {
    auto done = hasher.step();
    if (!done) return done.error();
    if (*done) return hasher.digest();
  }
}

std::string sha256_hex(std::string_view data) {
  detail::Sha256 h;
  h.update(data);
  return h.finish_hex();
}

}  // namespace gantry::rollout
