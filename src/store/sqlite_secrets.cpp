// The secrets table of the SQLite store (migration 4): one row per version, ciphertext only.
// nonce and ciphertext are bound as text and stored as BLOBs (CAST keeps the bytes as they are).
#include "store/sqlite_secrets.h"

namespace gantry::store {
namespace {

constexpr const char* kSecretColumns =
    "name, environment, version, nonce, ciphertext, key_id, created_at_ms, created_by";

SecretRecord read_secret(const Statement& s) {
  SecretRecord r;
  r.name = s.text(0);
  r.environment = s.text(1);
  r.version = s.i32(2);
  r.nonce = s.text(3);
  r.ciphertext = s.text(4);
  r.key_id = s.text(5);
  r.created_at_ms = s.i64(6);
  r.created_by = s.text(7);
  return r;
}

}  // namespace

Status sqlite_put_secret(Database& db, const SecretRecord& r) {
  auto s = db.prepare(std::string("INSERT INTO secrets (") + kSecretColumns +
                      ") VALUES (?1, ?2, ?3, CAST(?4 AS BLOB), CAST(?5 AS BLOB), ?6, ?7, ?8)");
  if (!s) return s.error();
  s->bind(1, r.name).bind(2, r.environment).bind(3, r.version).bind(4, r.nonce);
  s->bind(5, r.ciphertext).bind(6, r.key_id).bind(7, r.created_at_ms).bind(8, r.created_by);
  auto st = s->run();
  if (!st && st.error().code == ErrorCode::Conflict) {
    return make_error(ErrorCode::Conflict, "secret '" + r.name + "' already has version " +
                                               std::to_string(r.version) + " in environment '" +
                                               r.environment + "'");
  }
  return st;
}

Result<std::optional<SecretRecord>> sqlite_latest_secret(Database& db, const std::string& name,
                                                         const std::string& environment) {
  auto s = db.prepare(std::string("SELECT ") + kSecretColumns +
                      " FROM secrets WHERE name = ?1 AND environment = ?2"
                      " ORDER BY version DESC LIMIT 1");
  if (!s) return s.error();
  s->bind(1, name).bind(2, environment);
  auto rows = read_rows<SecretRecord>(*s, read_secret);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<SecretRecord>{};
  return std::optional<SecretRecord>{std::move(rows->front())};
}

Result<std::vector<SecretRecord>> sqlite_list_latest_secrets(Database& db) {
  auto s = db.prepare(std::string("SELECT ") + kSecretColumns +
                      " FROM secrets s WHERE version ="
                      " (SELECT MAX(version) FROM secrets l"
                      "  WHERE l.name = s.name AND l.environment = s.environment)"
                      " ORDER BY name, environment");
  if (!s) return s.error();
  return read_rows<SecretRecord>(*s, read_secret);
}

Result<std::vector<SecretRecord>> sqlite_secret_versions(Database& db, const std::string& name,
                                                         const std::string& environment) {
  auto s = db.prepare(std::string("SELECT ") + kSecretColumns +
                      " FROM secrets WHERE name = ?1 AND environment = ?2 ORDER BY version DESC");
  if (!s) return s.error();
  s->bind(1, name).bind(2, environment);
  return read_rows<SecretRecord>(*s, read_secret);
}

Result<int> sqlite_delete_secret(Database& db, const std::string& name,
                                 const std::string& environment) {
  auto s = db.prepare("DELETE FROM secrets WHERE name = ?1 AND environment = ?2");
  if (!s) return s.error();
  s->bind(1, name).bind(2, environment);
  if (auto st = s->run(); !st) return st.error();
  return db.changes();
}

Result<std::vector<SecretRecord>> sqlite_all_secrets(Database& db) {
  auto s = db.prepare(std::string("SELECT ") + kSecretColumns +
                      " FROM secrets ORDER BY name, environment, version");
  if (!s) return s.error();
  return read_rows<SecretRecord>(*s, read_secret);
}

Result<std::vector<std::string>> sqlite_secret_key_ids(Database& db) {
  auto s = db.prepare("SELECT DISTINCT key_id FROM secrets ORDER BY key_id");
  if (!s) return s.error();
  return read_rows<std::string>(*s, [](const Statement& st) { return st.text(0); });
}

Status sqlite_replace_secret_ciphertexts(Database& db, const std::vector<SecretRecord>& records) {
  for (const auto& r : records) {
    // A statement per row: Statement has no reset, and rekey touches few rows.
    auto one = db.prepare(
        "UPDATE secrets SET nonce = CAST(?4 AS BLOB), ciphertext = CAST(?5 AS BLOB), key_id = ?6"
        " WHERE name = ?1 AND environment = ?2 AND version = ?3");
    if (!one) return one.error();
    one->bind(1, r.name).bind(2, r.environment).bind(3, r.version).bind(4, r.nonce);
    one->bind(5, r.ciphertext).bind(6, r.key_id);
    if (auto st = one->run(); !st) return st;
    if (db.changes() == 0) {
      return make_error(ErrorCode::NotFound, "secret '" + r.name + "' version " +
                                                 std::to_string(r.version) + " (environment '" +
                                                 r.environment + "') is not in the store");
    }
  }
  return {};
}

}  // namespace gantry::store
