// The vault's cryptography on libsodium (crypto_impl.h). Thread-safe after ensure_sodium().
#include <sodium.h>

#include <cstdio>
#include <cstdlib>

#include "secrets/crypto_impl.h"

namespace gantry::secrets::detail {
namespace {

int sodium_variant(Base64 v) {
  switch (v) {
    case Base64::Standard:
      return sodium_base64_VARIANT_ORIGINAL;
    case Base64::StandardNoPadding:
      return sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
    case Base64::UrlSafe:
      return sodium_base64_VARIANT_URLSAFE;
    case Base64::UrlSafeNoPadding:
      return sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  }
  return sodium_base64_VARIANT_ORIGINAL;
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

void ensure_sodium() {
  static const bool started = sodium_init() >= 0;
  if (!started) {
    std::fputs("gantry: libsodium failed to start (sodium_init)\n", stderr);
    std::abort();
  }
}

std::string random_bytes(std::size_t n) {
  ensure_sodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string to_hex(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes_of(bytes), bytes.size());
  out.pop_back();
  return out;
}

std::optional<std::string> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out(text.size() / 2, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                     text.size(), nullptr, &len, &end) != 0 ||
      len != out.size() || end != text.data() + text.size()) {
    wipe(out);
    return std::nullopt;
  }
  return out;
}

std::string base64_encode(std::string_view bytes, Base64 variant) {
  const int v = sodium_variant(variant);
  std::string out(sodium_base64_encoded_len(bytes.size(), v), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes_of(bytes), bytes.size(), v);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, Base64 variant) {
  std::string out(text.size(), '\0');  // decoded is never longer than its text
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_variant(variant)) != 0 ||
      end != text.data() + text.size()) {
    wipe(out);
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string key_id_of(const unsigned char* key, std::size_t size) {
  ensure_sodium();
  unsigned char hash[crypto_generichash_BYTES];
  crypto_generichash(hash, sizeof hash, key, size, nullptr, 0);
  return to_hex(std::string_view(reinterpret_cast<const char*>(hash), sizeof hash)).substr(0, 16);
}

std::string associated_data(std::string_view name, std::string_view environment, int version) {
  std::string ad("gantry-secret-v1", 16);
  ad.push_back('\0');
  ad.append(name);
  ad.push_back('\0');
  ad.append(environment);
  ad.push_back('\0');
  ad.append(std::to_string(version));
  return ad;
}

Sealed seal(const MasterKey& key, std::string_view plaintext, std::string_view ad) {
  ensure_sodium();
  Sealed out;
  out.nonce = random_bytes(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  out.ciphertext.resize(plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(out.ciphertext.data()), &len, bytes_of(plaintext),
      plaintext.size(), bytes_of(ad), ad.size(), nullptr, bytes_of(out.nonce), key.bytes().data());
  out.ciphertext.resize(static_cast<std::size_t>(len));
  return out;
}

std::optional<std::string> open_sealed(const MasterKey& key, std::string_view nonce,
                                       std::string_view ciphertext, std::string_view ad) {
  ensure_sodium();
  if (nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
      ciphertext.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return std::nullopt;
  }
  std::string out(ciphertext.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &len, nullptr, bytes_of(ciphertext),
          ciphertext.size(), bytes_of(ad), ad.size(), bytes_of(nonce), key.bytes().data()) != 0) {
    return std::nullopt;
  }
  out.resize(static_cast<std::size_t>(len));
  return out;
}

void wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

}  // namespace gantry::secrets::detail

namespace gantry::secrets {

std::string random_value(std::size_t bytes) {
  std::string raw = detail::random_bytes(bytes);
  std::string out = detail::base64_encode(raw, detail::Base64::UrlSafeNoPadding);
  detail::wipe(raw);
  return out;
}

}  // namespace gantry::secrets
