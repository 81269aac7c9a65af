// API tokens: generation, hashing (sha256, libsodium), constant-time verification, and where a
// request carries its token.
#include <sodium.h>

#include <array>
#include <cctype>

#include "api/auth_impl.h"
#include "core/strings.h"

namespace gantry::api {

namespace {

constexpr std::string_view kPrefix = "gty_";
constexpr std::size_t kIdBytes = 6;       // 12 hex chars: public, the lookup key
constexpr std::size_t kSecretBytes = 32;  // 64 hex chars: 256 bits of secret

bool sodium_ready() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string hex(const unsigned char* data, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size());
  return hex(digest.data(), digest.size());
}

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<Scope> parse_scope(std::string_view text) {
  if (text == "read") return Scope::Read;
  if (text == "admin") return Scope::Admin;
  return std::nullopt;
}

std::string_view name_of(Scope scope) { return scope == Scope::Admin ? "admin" : "read"; }

Result<NewToken> make_token(std::string_view name, Scope scope, std::string created_by,
                            std::int64_t now_ms) {
  if (name.empty() || name.size() > 64) {
    return make_error(ErrorCode::Invalid, "a token's name is 1 to 64 characters long");
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return make_error(ErrorCode::Invalid, "token name " + quote_for_display(name, 80) +
                                                ": use letters, digits, '-', '_' and '.' only");
    }
  }
  if (!sodium_ready()) return make_error(ErrorCode::Internal, "libsodium failed to initialise");
  std::array<unsigned char, kIdBytes> id{};
  std::array<unsigned char, kSecretBytes> secret{};
  randombytes_buf(id.data(), id.size());
  randombytes_buf(secret.data(), secret.size());
  NewToken t;
  t.row.id = hex(id.data(), id.size());
  t.row.name = std::string(name);
  t.row.scope = std::string(name_of(scope));
  const std::string secret_hex = hex(secret.data(), secret.size());
  t.row.secret_hash = sha256_hex(secret_hex);
  t.row.created_at_ms = now_ms;
  t.row.created_by = std::move(created_by);
  t.token = std::string(kPrefix) + t.row.id + "_" + secret_hex;
  sodium_memzero(secret.data(), secret.size());
  return t;
}

Result<std::optional<store::ApiToken>> verify_token(store::Store& store, std::string_view token) {
  const std::optional<store::ApiToken> none;
  if (token.substr(0, kPrefix.size()) != kPrefix) return none;
  const auto rest = token.substr(kPrefix.size());
  const auto sep = rest.find('_');
  if (sep != kIdBytes * 2) return none;
  const auto id = rest.substr(0, sep);
  const auto secret = rest.substr(sep + 1);
  if (!is_hex(id) || secret.size() != kSecretBytes * 2 || !is_hex(secret)) return none;
  if (!sodium_ready()) return make_error(ErrorCode::Internal, "libsodium failed to initialise");
  auto row = store.get_token(std::string(id));
  if (!row) return row.error();
  // Hash whatever came, even for an unknown id, so the answer takes as long either way.
  const std::string have = sha256_hex(secret);
  if (!row->has_value() || (*row)->revoked_at_ms) return none;
  const std::string& want = (*row)->secret_hash;
  if (want.size() != have.size() || sodium_memcmp(want.data(), have.data(), have.size()) != 0) {
    return none;
  }
  return row;
}

std::string token_of(const std::map<std::string, std::string, std::less<>>& headers, bool& cookie) {
  cookie = false;
  if (auto it = headers.find("authorization"); it != headers.end()) {
    std::string_view v = trim(it->second);
    constexpr std::string_view kBearer = "bearer ";
    if (v.size() > kBearer.size()) {
      std::string scheme(v.substr(0, kBearer.size()));
      for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (scheme == kBearer) return std::string(trim(v.substr(kBearer.size())));
    }
    return {};
  }
  if (auto it = headers.find("cookie"); it != headers.end()) {
    for (const auto& part : split(it->second, ';')) {
      std::string_view p = trim(part);
      constexpr std::string_view kName = "gantry_session=";
      if (p.substr(0, kName.size()) == kName) {
        cookie = true;
        return std::string(p.substr(kName.size()));
      }
    }
  }
  return {};
}

std::string session_cookie(std::string_view token) {
  return "gantry_session=" + std::string(token) + "; Path=/; HttpOnly; SameSite=Strict";
}

std::string clear_session_cookie() {
  return "gantry_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
}

}  // namespace gantry::api
