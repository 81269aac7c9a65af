// The SQLite backend of Store: WAL, busy timeout, foreign keys, migrations by user_version.
#include <string>

#include "store/sqlite_db.h"
#include "store/sqlite_migrations.h"
#include "store/sqlite_outbox.h"
#include "store/sqlite_secrets.h"
#include "store/store.h"

namespace gantry::store {
namespace {

#define GANTRY_TRY(expr)                          \
  do {                                            \
    auto gantry_try_ = (expr);                    \
    if (!gantry_try_) return gantry_try_.error(); \
  } while (0)

constexpr const char* kDeploymentColumns =
    "id, service, environment, revision_id, from_revision_id, strategy, version, commit_sha, "
    "triggered_by, started_at_ms, completed_at_ms, status, health_score, error_count, "
    "rollback_reason, metadata_json, commit_time_ms";

constexpr const char* kRevisionColumns =
    "id, service, environment, number, version, spec_json, spec_hash, created_at_ms, "
    "artifact_digest";

constexpr const char* kReplicaColumns =
    "service, idx, revision_id, version, pid, start_time, port, pgid, state, restarts, "
    "started_at_ms";

constexpr const char* kEventColumns =
    "id, COALESCE(deployment_id, ''), at_ms, type, data_json, service, environment, version";

DeploymentEvent read_event(const Statement& s) {
  return DeploymentEvent{s.i64(0),  s.text(1), s.i64(2),  s.text(3),
                         s.text(4), s.text(5), s.text(6), s.text(7)};
}

Revision read_revision(const Statement& s) {
  return Revision{s.text(0), s.text(1), s.text(2), s.i32(3), s.text(4),
                  s.text(5), s.text(6), s.i64(7),  s.text(8)};
}

Deployment read_deployment(const Statement& s) {
  Deployment d;
  d.id = s.text(0);
  d.service = s.text(1);
  d.environment = s.text(2);
  d.revision_id = s.text(3);
  d.from_revision_id = s.text(4);
  d.strategy = s.text(5);
  d.version = s.text(6);
  d.commit_sha = s.text(7);
  d.triggered_by = s.text(8);
  d.started_at_ms = s.i64(9);
  if (!s.is_null(10)) d.completed_at_ms = s.i64(10);
  d.status = parse_deployment_status(s.text(11)).value_or(DeploymentStatus::Failed);
  d.health_score = s.f64(12);
  d.error_count = s.i32(13);
  d.rollback_reason = s.text(14);
  d.metadata_json = s.text(15);
  if (!s.is_null(16)) d.commit_time_ms = s.i64(16);
  return d;
}

Replica read_replica(const Statement& s) {
  Replica r;
  r.service = s.text(0);
  r.index = s.i32(1);
  r.revision_id = s.text(2);
  r.version = s.text(3);
  r.pid = s.i32(4);
  r.start_time = static_cast<std::uint64_t>(s.i64(5));
  r.port = s.i32(6);
  r.pgid = s.i32(7);
  r.state = s.text(8);
  r.restarts = s.i32(9);
  r.started_at_ms = s.i64(10);
  return r;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(Database db) : db_(std::move(db)) {}

  Status init() {
    GANTRY_TRY(db_.exec("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;"));
    {
      auto wal = db_.prepare("PRAGMA journal_mode = WAL");
      if (!wal) return wal.error();
      GANTRY_TRY(wal->run());
    }
    GANTRY_TRY(db_.exec("PRAGMA synchronous = NORMAL;"));
    auto version = schema_version();
    if (!version) return version.error();
    const auto& migrations = sqlite_migrations();
    const int newest = migrations.back().version;
    if (*version > newest) {
      return make_error(ErrorCode::Unsupported,
                        "database schema version " + std::to_string(*version) +
                            " is newer than this gantry supports (" + std::to_string(newest) +
                            "): upgrade gantry, or point --state-dir elsewhere",
                        Location{db_.path(), 0, 0});
    }
    for (const auto& m : migrations) {
      if (m.version <= *version) continue;
      GANTRY_TRY(transaction([&]() -> Status {
        GANTRY_TRY(db_.exec(std::string(m.sql)));
        return db_.exec("PRAGMA user_version = " + std::to_string(m.version));
      }));
    }
    return {};
  }

  Status transaction(const std::function<Status()>& fn) override {
    if (depth_ > 0) {
      ++depth_;
      auto st = fn();
      --depth_;
      return st;
    }
    GANTRY_TRY(db_.exec("BEGIN IMMEDIATE"));
    depth_ = 1;
    auto st = fn();
    depth_ = 0;
    if (!st) {
      (void)db_.exec("ROLLBACK");
      return st;
    }
    auto commit = db_.exec("COMMIT");
    if (!commit) {
      (void)db_.exec("ROLLBACK");
      return commit;
    }
    return {};
  }

  Status put_revision(const Revision& r) override {
    auto s = db_.prepare(std::string("INSERT INTO revisions (") + kRevisionColumns +
                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!s) return s.error();
    s->bind(1, r.id).bind(2, r.service).bind(3, r.environment).bind(4, r.number);
    s->bind(5, r.version).bind(6, r.spec_json).bind(7, r.spec_hash).bind(8, r.created_at_ms);
    s->bind(9, r.artifact_digest);
    return s->run();
  }

  Status set_revision_artifact(const std::string& id, const std::string& digest) override {
    auto current = get_revision(id);
    if (!current) return current.error();
    if (!current->has_value()) {
      return make_error(ErrorCode::NotFound, "no revision '" + id + "'");
    }
    const std::string& had = (*current)->artifact_digest;
    if (had == digest) return {};
    if (!had.empty()) {
      return make_error(ErrorCode::Conflict, "revision " + id + " was built as " + had +
                                                 "; a revision's artifact never changes");
    }
    auto s = db_.prepare("UPDATE revisions SET artifact_digest = ?2 WHERE id = ?1");
    if (!s) return s.error();
    s->bind(1, id).bind(2, digest);
    return s->run();
  }

  Result<std::optional<Revision>> get_revision(const std::string& id) override {
    auto s =
        db_.prepare(std::string("SELECT ") + kRevisionColumns + " FROM revisions WHERE id = ?1");
    if (!s) return s.error();
    s->bind(1, id);
    return one<Revision>(*s, read_revision);
  }

  Result<std::optional<Revision>> find_revision_by_hash(const std::string& service,
                                                        const std::string& hash) override {
    auto s = db_.prepare(std::string("SELECT ") + kRevisionColumns +
                         " FROM revisions WHERE service = ?1 AND spec_hash = ?2"
                         " ORDER BY number DESC LIMIT 1");
    if (!s) return s.error();
    s->bind(1, service).bind(2, hash);
    return one<Revision>(*s, read_revision);
  }

  Result<std::vector<Revision>> list_revisions(const std::string& service, int limit) override {
    auto s = db_.prepare(std::string("SELECT ") + kRevisionColumns +
                         " FROM revisions WHERE (?1 = '' OR service = ?1)"
                         " ORDER BY created_at_ms DESC, number DESC LIMIT ?2");
    if (!s) return s.error();
    s->bind(1, service).bind(2, limit);
    return all<Revision>(*s, read_revision);
  }

  Result<int> next_revision_number(const std::string& service) override {
    auto s = db_.prepare("SELECT COALESCE(MAX(number), 0) + 1 FROM revisions WHERE service = ?1");
    if (!s) return s.error();
    s->bind(1, service);
    auto row = s->step();
    if (!row) return row.error();
    return s->i32(0);
  }

  void set_secret_mask(std::shared_ptr<const SecretMask> mask) override { mask_ = std::move(mask); }

  Status put_deployment(const Deployment& d) override {
    if (masks(d.rollback_reason) || masks(d.metadata_json)) {
      Deployment masked = d;
      masked.rollback_reason = mask_->apply(d.rollback_reason);
      masked.metadata_json = mask_->apply(d.metadata_json);
      return put_deployment_as_is(masked);
    }
    return put_deployment_as_is(d);
  }

  Status put_deployment_as_is(const Deployment& d) {
    auto s = db_.prepare(std::string("INSERT OR REPLACE INTO deployments (") + kDeploymentColumns +
                         ") VALUES (?1, ?2, ?3, ?4, NULLIF(?5, ''), ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                         " ?13, ?14, ?15, ?16, ?17)");
    if (!s) return s.error();
    s->bind(1, d.id).bind(2, d.service).bind(3, d.environment).bind(4, d.revision_id);
    s->bind(5, d.from_revision_id).bind(6, d.strategy).bind(7, d.version).bind(8, d.commit_sha);
    s->bind(9, d.triggered_by).bind(10, d.started_at_ms).bind(11, d.completed_at_ms);
    s->bind(12, name_of(d.status)).bind(13, d.health_score).bind(14, d.error_count);
    s->bind(15, d.rollback_reason).bind(16, d.metadata_json).bind(17, d.commit_time_ms);
    return s->run();
  }

  Result<std::optional<Deployment>> get_deployment(const std::string& id) override {
    auto s = db_.prepare(std::string("SELECT ") + kDeploymentColumns +
                         " FROM deployments WHERE id = ?1");
    if (!s) return s.error();
    s->bind(1, id);
    return one<Deployment>(*s, read_deployment);
  }

  Result<std::vector<Deployment>> list_deployments(const DeploymentFilter& f) override {
    auto s = db_.prepare(std::string("SELECT ") + kDeploymentColumns +
                         " FROM deployments WHERE (?1 = '' OR service = ?1)"
                         " AND (?2 = '' OR environment = ?2) AND started_at_ms >= ?4"
                         " ORDER BY started_at_ms DESC, id DESC LIMIT ?3");
    if (!s) return s.error();
    s->bind(1, f.service).bind(2, f.environment).bind(3, f.limit > 0 ? f.limit : -1);
    s->bind(4, f.since_ms);
    return all<Deployment>(*s, read_deployment);
  }

  Result<std::int64_t> next_deployment_sequence() override {
    std::int64_t value = 0;
    auto st = transaction([&]() -> Status {
      auto up = db_.prepare(
          "INSERT INTO sequences (name, value) VALUES ('deployment', 1)"
          " ON CONFLICT (name) DO UPDATE SET value = value + 1");
      if (!up) return up.error();
      GANTRY_TRY(up->run());
      auto get = db_.prepare("SELECT value FROM sequences WHERE name = 'deployment'");
      if (!get) return get.error();
      auto row = get->step();
      if (!row) return row.error();
      value = get->i64(0);
      return {};
    });
    if (!st) return st.error();
    return value;
  }

  Result<DeploymentEvent> append_event(const DeploymentEvent& e) override {
    auto s = db_.prepare(
        "INSERT INTO deployment_events (deployment_id, at_ms, type, data_json, service,"
        " environment, version) VALUES (NULLIF(?1, ''), ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!s) return s.error();
    DeploymentEvent out = e;
    if (masks(e.data_json)) out.data_json = mask_->apply(e.data_json);
    s->bind(1, e.deployment_id).bind(2, e.at_ms).bind(3, e.type).bind(4, out.data_json);
    s->bind(5, e.service).bind(6, e.environment).bind(7, e.version);
    GANTRY_TRY(s->run());
    out.id = db_.last_insert_rowid();
    return out;
  }

  Result<std::vector<DeploymentEvent>> list_events(const std::string& deployment_id,
                                                   std::int64_t after_id) override {
    auto s = db_.prepare(std::string("SELECT ") + kEventColumns +
                         " FROM deployment_events"
                         " WHERE (?1 = '' OR deployment_id = ?1) AND id > ?2 ORDER BY id");
    if (!s) return s.error();
    s->bind(1, deployment_id).bind(2, after_id);
    return all<DeploymentEvent>(*s, read_event);
  }

  Result<std::vector<DeploymentEvent>> list_events_since(std::int64_t after_id,
                                                         int limit) override {
    auto s = db_.prepare(std::string("SELECT ") + kEventColumns +
                         " FROM deployment_events WHERE id > ?1 ORDER BY id LIMIT ?2");
    if (!s) return s.error();
    s->bind(1, after_id).bind(2, limit > 0 ? limit : -1);
    return all<DeploymentEvent>(*s, read_event);
  }

  Result<std::int64_t> last_event_id() override {
    auto s = db_.prepare("SELECT COALESCE(MAX(id), 0) FROM deployment_events");
    if (!s) return s.error();
    auto row = s->step();
    if (!row) return row.error();
    return s->i64(0);
  }

  Result<std::int64_t> get_cursor(const std::string& name) override {
    auto s = db_.prepare("SELECT value FROM sequences WHERE name = 'cursor:' || ?1");
    if (!s) return s.error();
    s->bind(1, name);
    auto row = s->step();
    if (!row) return row.error();
    return *row ? s->i64(0) : 0;
  }

  Status set_cursor(const std::string& name, std::int64_t value) override {
    auto s = db_.prepare(
        "INSERT INTO sequences (name, value) VALUES ('cursor:' || ?1, ?2)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    if (!s) return s.error();
    s->bind(1, name).bind(2, value);
    return s->run();
  }

  Result<std::int64_t> enqueue_outbox(const OutboxItem& item) override {
    if (masks(item.last_error)) {
      OutboxItem masked = item;
      masked.last_error = mask_->apply(item.last_error);
      return sqlite_enqueue_outbox(db_, masked);
    }
    return sqlite_enqueue_outbox(db_, item);
  }
  Result<std::vector<OutboxItem>> due_outbox(std::int64_t now_ms, int limit) override {
    return sqlite_due_outbox(db_, now_ms, limit);
  }
  Status update_outbox(const OutboxItem& item) override {
    if (masks(item.last_error)) {
      OutboxItem masked = item;
      masked.last_error = mask_->apply(item.last_error);
      return sqlite_update_outbox(db_, masked);
    }
    return sqlite_update_outbox(db_, item);
  }
  Result<std::vector<OutboxItem>> list_outbox(int limit) override {
    return sqlite_list_outbox(db_, limit);
  }
  Result<std::optional<std::int64_t>> next_outbox_due() override {
    return sqlite_next_outbox_due(db_);
  }

  Status put_token(const ApiToken& token) override { return sqlite_put_token(db_, token); }
  Result<std::optional<ApiToken>> get_token(const std::string& id) override {
    return sqlite_get_token(db_, id);
  }
  Result<std::vector<ApiToken>> list_tokens() override { return sqlite_list_tokens(db_); }
  Status revoke_token(const std::string& id_or_name, std::int64_t at_ms) override {
    return sqlite_revoke_token(db_, id_or_name, at_ms);
  }

  Status put_secret(const SecretRecord& record) override { return sqlite_put_secret(db_, record); }
  Result<std::optional<SecretRecord>> latest_secret(const std::string& name,
                                                    const std::string& environment) override {
    return sqlite_latest_secret(db_, name, environment);
  }
  Result<std::vector<SecretRecord>> list_latest_secrets() override {
    return sqlite_list_latest_secrets(db_);
  }
  Result<std::vector<SecretRecord>> secret_versions(const std::string& name,
                                                    const std::string& environment) override {
    return sqlite_secret_versions(db_, name, environment);
  }
  Result<int> delete_secret(const std::string& name, const std::string& environment) override {
    return sqlite_delete_secret(db_, name, environment);
  }
  Result<std::vector<SecretRecord>> all_secrets() override { return sqlite_all_secrets(db_); }
  Result<std::vector<std::string>> secret_key_ids() override { return sqlite_secret_key_ids(db_); }
  Status replace_secret_ciphertexts(const std::vector<SecretRecord>& records) override {
    return transaction([&] { return sqlite_replace_secret_ciphertexts(db_, records); });
  }

  Status put_replica(const Replica& r) override {
    auto s = db_.prepare(std::string("INSERT OR REPLACE INTO replicas (") + kReplicaColumns +
                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!s) return s.error();
    s->bind(1, r.service).bind(2, r.index).bind(3, r.revision_id).bind(4, r.version);
    s->bind(5, r.pid).bind(6, r.start_time).bind(7, r.port).bind(8, r.pgid);
    s->bind(9, r.state).bind(10, r.restarts).bind(11, r.started_at_ms);
    return s->run();
  }

  Status remove_replica(const std::string& service, int index) override {
    auto s = db_.prepare("DELETE FROM replicas WHERE service = ?1 AND idx = ?2");
    if (!s) return s.error();
    s->bind(1, service).bind(2, index);
    return s->run();
  }

  Result<std::vector<Replica>> list_replicas() override {
    auto s = db_.prepare(std::string("SELECT ") + kReplicaColumns +
                         " FROM replicas ORDER BY service, idx");
    if (!s) return s.error();
    return all<Replica>(*s, read_replica);
  }

  Result<AuditEntry> append_audit(const AuditEntry& e) override {
    auto s = db_.prepare(
        "INSERT INTO audit (at_ms, actor, action, target, detail_json) VALUES (?1, ?2, ?3, ?4, "
        "?5)");
    if (!s) return s.error();
    AuditEntry out = e;
    if (masks(e.detail_json)) out.detail_json = mask_->apply(e.detail_json);
    s->bind(1, e.at_ms)
        .bind(2, e.actor)
        .bind(3, e.action)
        .bind(4, e.target)
        .bind(5, out.detail_json);
    GANTRY_TRY(s->run());
    out.id = db_.last_insert_rowid();
    return out;
  }

  Result<std::vector<AuditEntry>> list_audit(int limit) override {
    auto s = db_.prepare(
        "SELECT id, at_ms, actor, action, target, detail_json FROM audit ORDER BY id DESC LIMIT "
        "?1");
    if (!s) return s.error();
    s->bind(1, limit);
    return all<AuditEntry>(*s, [](const Statement& st) {
      return AuditEntry{st.i64(0), st.i64(1), st.text(2), st.text(3), st.text(4), st.text(5)};
    });
  }

  Result<int> schema_version() override {
    auto s = db_.prepare("PRAGMA user_version");
    if (!s) return s.error();
    auto row = s->step();
    if (!row) return row.error();
    return s->i32(0);
  }

 private:
  bool masks(const std::string& text) const { return mask_ && !text.empty() && !mask_->empty(); }

  template <class T, class Read>
  static Result<std::optional<T>> one(Statement& s, Read read) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) return std::optional<T>{};
    return std::optional<T>{read(s)};
  }

  template <class T, class Read>
  static Result<std::vector<T>> all(Statement& s, Read read) {
    return read_rows<T>(s, read);
  }

  Database db_;
  std::shared_ptr<const SecretMask> mask_;
  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite(const std::string& path) {
  auto db = Database::open(path);
  if (!db) return db.error();
  auto store = std::make_unique<SqliteStore>(std::move(*db));
  auto st = store->init();
  if (!st) return st.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace gantry::store
