// The outbox and API token tables of the SQLite store (migration 3).
#include "store/sqlite_outbox.h"

namespace gantry::store {
namespace {

constexpr const char* kOutboxColumns =
    "id, sink, event_id, created_at_ms, next_attempt_at_ms, attempts, status, last_error, "
    "done_at_ms";

OutboxItem read_outbox(const Statement& s) {
  OutboxItem o;
  o.id = s.i64(0);
  o.sink = s.text(1);
  o.event_id = s.i64(2);
  o.created_at_ms = s.i64(3);
  o.next_attempt_at_ms = s.i64(4);
  o.attempts = s.i32(5);
  o.status = s.text(6);
  o.last_error = s.text(7);
  if (!s.is_null(8)) o.done_at_ms = s.i64(8);
  return o;
}

constexpr const char* kTokenColumns =
    "id, name, scope, secret_hash, created_at_ms, created_by, revoked_at_ms";

ApiToken read_token(const Statement& s) {
  ApiToken t;
  t.id = s.text(0);
  t.name = s.text(1);
  t.scope = s.text(2);
  t.secret_hash = s.text(3);
  t.created_at_ms = s.i64(4);
  t.created_by = s.text(5);
  if (!s.is_null(6)) t.revoked_at_ms = s.i64(6);
  return t;
}

}  // namespace

Result<std::int64_t> sqlite_enqueue_outbox(Database& db, const OutboxItem& item) {
  auto ins = db.prepare(
      "INSERT INTO outbox (sink, event_id, created_at_ms, next_attempt_at_ms, attempts, status,"
      " last_error, done_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
      " ON CONFLICT (sink, event_id) DO NOTHING");
  if (!ins) return ins.error();
  ins->bind(1, item.sink).bind(2, item.event_id).bind(3, item.created_at_ms);
  ins->bind(4, item.next_attempt_at_ms).bind(5, item.attempts).bind(6, item.status);
  ins->bind(7, item.last_error).bind(8, item.done_at_ms);
  if (auto st = ins->run(); !st) return st.error();
  auto get = db.prepare("SELECT id FROM outbox WHERE sink = ?1 AND event_id = ?2");
  if (!get) return get.error();
  get->bind(1, item.sink).bind(2, item.event_id);
  auto row = get->step();
  if (!row) return row.error();
  return get->i64(0);
}

Result<std::vector<OutboxItem>> sqlite_due_outbox(Database& db, std::int64_t now_ms, int limit) {
  auto s = db.prepare(std::string("SELECT ") + kOutboxColumns +
                      " FROM outbox WHERE status = 'pending' AND next_attempt_at_ms <= ?1"
                      " ORDER BY next_attempt_at_ms, id LIMIT ?2");
  if (!s) return s.error();
  s->bind(1, now_ms).bind(2, limit > 0 ? limit : -1);
  return read_rows<OutboxItem>(*s, read_outbox);
}

Status sqlite_update_outbox(Database& db, const OutboxItem& item) {
  auto s = db.prepare(
      "UPDATE outbox SET next_attempt_at_ms = ?2, attempts = ?3, status = ?4, last_error = ?5,"
      " done_at_ms = ?6 WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, item.id).bind(2, item.next_attempt_at_ms).bind(3, item.attempts);
  s->bind(4, item.status).bind(5, item.last_error).bind(6, item.done_at_ms);
  if (auto st = s->run(); !st) return st;
  if (db.changes() == 0) {
    return make_error(ErrorCode::NotFound, "no outbox item " + std::to_string(item.id));
  }
  return {};
}

Result<std::vector<OutboxItem>> sqlite_list_outbox(Database& db, int limit) {
  auto s = db.prepare(std::string("SELECT ") + kOutboxColumns +
                      " FROM outbox ORDER BY id DESC LIMIT ?1");
  if (!s) return s.error();
  s->bind(1, limit > 0 ? limit : -1);
  return read_rows<OutboxItem>(*s, read_outbox);
}

Result<std::optional<std::int64_t>> sqlite_next_outbox_due(Database& db) {
  auto s = db.prepare("SELECT MIN(next_attempt_at_ms) FROM outbox WHERE status = 'pending'");
  if (!s) return s.error();
  auto row = s->step();
  if (!row) return row.error();
  if (s->is_null(0)) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>{s->i64(0)};
}

Status sqlite_put_token(Database& db, const ApiToken& t) {
  auto s = db.prepare(std::string("INSERT INTO api_tokens (") + kTokenColumns +
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!s) return s.error();
  s->bind(1, t.id).bind(2, t.name).bind(3, t.scope).bind(4, t.secret_hash);
  s->bind(5, t.created_at_ms).bind(6, t.created_by).bind(7, t.revoked_at_ms);
  auto st = s->run();
  if (!st && st.error().code == ErrorCode::Conflict) {
    return make_error(
        ErrorCode::Conflict,
        "a token named '" + t.name + "' exists (revoked tokens keep their names); choose another");
  }
  return st;
}

Result<std::optional<ApiToken>> sqlite_get_token(Database& db, const std::string& id) {
  auto s = db.prepare(std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, id);
  auto rows = read_rows<ApiToken>(*s, read_token);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<ApiToken>{};
  return std::optional<ApiToken>{rows->front()};
}

Result<std::vector<ApiToken>> sqlite_list_tokens(Database& db) {
  auto s = db.prepare(std::string("SELECT ") + kTokenColumns +
                      " FROM api_tokens ORDER BY created_at_ms, id");
  if (!s) return s.error();
  return read_rows<ApiToken>(*s, read_token);
}

Status sqlite_revoke_token(Database& db, const std::string& id_or_name, std::int64_t at_ms) {
  auto s = db.prepare(
      "UPDATE api_tokens SET revoked_at_ms = ?2"
      " WHERE (id = ?1 OR name = ?1) AND revoked_at_ms IS NULL");
  if (!s) return s.error();
  s->bind(1, id_or_name).bind(2, at_ms);
  if (auto st = s->run(); !st) return st;
  if (db.changes() == 0) {
    return make_error(ErrorCode::NotFound,
                      "no active token '" + id_or_name + "' (gantry tokens list shows them)");
  }
  return {};
}

}  // namespace gantry::store
