// Stable finding fingerprints: "rule_id:path:" + 16 hex digits of sha256(secret), so that a
// baseline survives line moves. Thread-safe (libsodium is initialised once).
#include <sodium.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "scan/rules_impl.h"

namespace gantry::scan::detail {

std::string fingerprint(std::string_view rule_id, std::string_view path, std::string_view secret) {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no usable random source: libsodium cannot run
  });
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(rule_id.size() + path.size() + 18);
  out.append(rule_id).append(":").append(path).append(":");
  for (int i = 0; i < 8; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace gantry::scan::detail
