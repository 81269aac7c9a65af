// libsodium behind small functions (internal to src/secrets): start-up, random bytes, hex and
// base64, key ids, and the vault's AEAD with its associated data. Thread-safe (no shared state
// once sodium is started).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "secrets/secrets.h"

namespace gantry::secrets::detail {

// sodium_init() once per process; aborts with a message if libsodium cannot start.
void ensure_sodium();

std::string random_bytes(std::size_t n);
std::string to_hex(std::string_view bytes);
// Decodes exactly 2*n hex digits; nullopt otherwise.
std::optional<std::string> from_hex(std::string_view text);

enum class Base64 { Standard, StandardNoPadding, UrlSafe, UrlSafeNoPadding };
std::string base64_encode(std::string_view bytes, Base64 variant);
std::optional<std::string> base64_decode(std::string_view text, Base64 variant);

// First 16 hex digits of BLAKE2b(key).
std::string key_id_of(const unsigned char* key, std::size_t size);

// "gantry-secret-v1\0" + name + "\0" + environment + "\0" + version: what a ciphertext is
// bound to, so a row copied to another name, environment or version does not open.
std::string associated_data(std::string_view name, std::string_view environment, int version);

struct Sealed {
  std::string nonce;       // 24 random bytes
  std::string ciphertext;  // with its 16-byte tag
};
// XChaCha20-Poly1305-IETF with a fresh random nonce.
Sealed seal(const MasterKey& key, std::string_view plaintext, std::string_view ad);
// nullopt when the tag does not verify (another key, changed bytes, or changed ad).
std::optional<std::string> open_sealed(const MasterKey& key, std::string_view nonce,
                                       std::string_view ciphertext, std::string_view ad);

// Overwrites a string's bytes (sodium_memzero) before it is freed.
void wipe(std::string& s);

}  // namespace gantry::secrets::detail
