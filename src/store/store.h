// The store: everything the daemon persists (revisions, deployments and their events,
// replicas, audit, the vault's ciphertexts). One interface; SQLite now, PostgreSQL later, both
// held to the same conformance tests. A Store is used from one thread at a time (the
// control-plane loop).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/mask.h"
#include "core/result.h"

namespace gantry::store {

// An immutable, resolved spec of one service: what runs. Secret *references* only.
struct Revision {
  std::string id;  // "api-r7"
  std::string service;
  std::string environment;  // "" = base
  int number = 0;           // per service, 1, 2, ...
  std::string version;      // the user's label ("v2", a commit)
  std::string spec_json;    // the resolved service spec
  std::string spec_hash;    // sha-like digest of spec_json: same hash, same revision
  std::int64_t created_at_ms = 0;
  std::string artifact_digest;  // "sha256:..." of what its build produced; "" = no build yet
  friend bool operator==(const Revision&, const Revision&) = default;
};

enum class DeploymentStatus {
  Pending,
  Preflight,
  Provisioning,
  Progressing,
  Paused,
  Promoting,
  Succeeded,
  RollingBack,
  RolledBack,
  Failed,
  Aborted,
};
std::string_view name_of(DeploymentStatus s);
std::optional<DeploymentStatus> parse_deployment_status(std::string_view s);
bool is_terminal(DeploymentStatus s);

struct Deployment {
  std::string id;  // "d-000042"
  std::string service;
  std::string environment;
  std::string revision_id;
  std::string from_revision_id;  // "" on the first deployment
  std::string strategy;
  std::string version;
  std::string commit_sha;
  std::string triggered_by;
  std::int64_t started_at_ms = 0;
  std::optional<std::int64_t> completed_at_ms;
  DeploymentStatus status = DeploymentStatus::Pending;
  double health_score = 1.0;  // 0..1
  int error_count = 0;
  std::string rollback_reason;
  std::string metadata_json = "{}";
  // When the deployed commit was made (git's committer time, or `--commit-time`); the start
  // of DORA's lead time for changes. nullopt = unknown.
  std::optional<std::int64_t> commit_time_ms;
  friend bool operator==(const Deployment&, const Deployment&) = default;
};

// One event of the daemon's stream (docs/events.md). Most belong to a deployment; replica and
// secret events may not (deployment_id ""). ids increase across the whole stream, so an id is
// a resume point (SSE's Last-Event-ID).
struct DeploymentEvent {
  std::int64_t id = 0;        // assigned by the store, increasing
  std::string deployment_id;  // "" = not part of a deployment
  std::int64_t at_ms = 0;
  std::string type;  // "phase.changed", "weight.changed", ...
  std::string data_json = "{}";
  std::string service;      // "" = the whole project
  std::string environment;  // "" = base
  std::string version;      // the version it is about, "" when none
  friend bool operator==(const DeploymentEvent&, const DeploymentEvent&) = default;
};

// A replica process the daemon started. pid + start_time (clock ticks after boot, field 22
// of /proc/PID/stat) identify the process: a reused pid has another start time.
struct Replica {
  std::string service;
  int index = 0;
  std::string revision_id;
  std::string version;
  int pid = 0;
  std::uint64_t start_time = 0;
  int port = 0;
  int pgid = 0;
  std::string state;  // "starting", "ready", "unhealthy", "stopping", "exited", "failed"
  int restarts = 0;
  std::int64_t started_at_ms = 0;
  friend bool operator==(const Replica&, const Replica&) = default;
};

struct AuditEntry {
  std::int64_t id = 0;  // assigned by the store
  std::int64_t at_ms = 0;
  std::string actor;   // "cli:uid=1000", "daemon"
  std::string action;  // "deploy", "rollback", "restart", "up"
  std::string target;  // "service/api"
  std::string detail_json = "{}";
  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

struct DeploymentFilter {
  std::string service;        // "" = all
  std::string environment;    // "" = all
  int limit = 50;             // newest first; 0 = no limit
  std::int64_t since_ms = 0;  // only those started at or after this
};

// A notification waiting to be delivered (the outbox): one per (sink, event). Written in the
// same transaction that moves the notifier's cursor past the event, so a crash loses none.
struct OutboxItem {
  std::int64_t id = 0;  // assigned by the store
  std::string sink;     // the sink's name in the spec
  std::int64_t event_id = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t next_attempt_at_ms = 0;
  int attempts = 0;
  std::string status = "pending";  // pending | delivered | given_up
  std::string last_error;
  std::optional<std::int64_t> done_at_ms;  // delivered or given up
  friend bool operator==(const OutboxItem&, const OutboxItem&) = default;
};

// A bearer token of the TCP API. Only a hash of its secret is kept.
struct ApiToken {
  std::string id;           // "tk-3f9a…", the public half of the token
  std::string name;         // the user's label, unique
  std::string scope;        // "read" | "admin"
  std::string secret_hash;  // hex sha256 of the secret half
  std::int64_t created_at_ms = 0;
  std::string created_by;
  std::optional<std::int64_t> revoked_at_ms;
  friend bool operator==(const ApiToken&, const ApiToken&) = default;
};

// One version of one secret of the vault (src/secrets): ciphertext only. nonce and ciphertext
// are raw bytes; key_id names the master key that encrypted them.
struct SecretRecord {
  std::string name;
  std::string environment;  // "" = every environment
  int version = 0;          // 1, 2, ... per (name, environment)
  std::string nonce;
  std::string ciphertext;
  std::string key_id;
  std::int64_t created_at_ms = 0;
  std::string created_by;
  friend bool operator==(const SecretRecord&, const SecretRecord&) = default;
};

class Store {
 public:
  virtual ~Store() = default;

  // Every event's data, audit detail and deployment's rollback reason and metadata this store
  // writes from now on passes through the mask first (so no live secret value reaches the
  // store, and from it the event stream, notifications and the API). nullptr = none.
  virtual void set_secret_mask(std::shared_ptr<const SecretMask> mask) { (void)mask; }

  // Runs fn inside one transaction: all of its writes land, or none. Nested calls join the
  // outer transaction.
  virtual Status transaction(const std::function<Status()>& fn) = 0;

  virtual Status put_revision(const Revision& revision) = 0;  // error if the id exists
  virtual Result<std::optional<Revision>> get_revision(const std::string& id) = 0;
  virtual Result<std::optional<Revision>> find_revision_by_hash(const std::string& service,
                                                                const std::string& hash) = 0;
  virtual Result<std::vector<Revision>> list_revisions(const std::string& service, int limit) = 0;
  virtual Result<int> next_revision_number(const std::string& service) = 0;
  // Records what the revision's build produced, once: the same digest again is fine, another
  // one is a Conflict (a revision is immutable once built).
  virtual Status set_revision_artifact(const std::string& id, const std::string& digest) = 0;

  virtual Status put_deployment(const Deployment& deployment) = 0;  // insert or replace
  virtual Result<std::optional<Deployment>> get_deployment(const std::string& id) = 0;
  virtual Result<std::vector<Deployment>> list_deployments(const DeploymentFilter& filter) = 0;
  virtual Result<std::int64_t> next_deployment_sequence() = 0;

  // Returns the event with its id.
  virtual Result<DeploymentEvent> append_event(const DeploymentEvent& event) = 0;
  virtual Result<std::vector<DeploymentEvent>> list_events(const std::string& deployment_id,
                                                           std::int64_t after_id) = 0;
  // Events of every deployment (and none) with id > after_id, oldest first, at most limit.
  virtual Result<std::vector<DeploymentEvent>> list_events_since(std::int64_t after_id,
                                                                 int limit) = 0;
  // The newest event's id; 0 when there is none.
  virtual Result<std::int64_t> last_event_id() = 0;

  // A named position that survives restarts ("notify", "events.jsonl"); 0 when never set.
  virtual Result<std::int64_t> get_cursor(const std::string& name) = 0;
  virtual Status set_cursor(const std::string& name, std::int64_t value) = 0;

  // Adds an item; one that exists for (sink, event_id) is left as it is. Returns its id.
  virtual Result<std::int64_t> enqueue_outbox(const OutboxItem& item) = 0;
  // Pending items due at now_ms, oldest first.
  virtual Result<std::vector<OutboxItem>> due_outbox(std::int64_t now_ms, int limit) = 0;
  virtual Status update_outbox(const OutboxItem& item) = 0;  // by id
  // The newest items, any status.
  virtual Result<std::vector<OutboxItem>> list_outbox(int limit) = 0;
  // The earliest next_attempt_at_ms of a pending item, or nullopt when none is pending.
  virtual Result<std::optional<std::int64_t>> next_outbox_due() = 0;

  virtual Status put_token(const ApiToken& token) = 0;  // insert; a taken name is a Conflict
  virtual Result<std::optional<ApiToken>> get_token(const std::string& id) = 0;
  virtual Result<std::vector<ApiToken>> list_tokens() = 0;
  virtual Status revoke_token(const std::string& id_or_name, std::int64_t at_ms) = 0;

  // The vault's rows. put_secret inserts; a taken (name, environment, version) is a Conflict.
  virtual Status put_secret(const SecretRecord& record) = 0;
  // The newest version of (name, environment), or nullopt.
  virtual Result<std::optional<SecretRecord>> latest_secret(const std::string& name,
                                                            const std::string& environment) = 0;
  // The newest version of every (name, environment), ordered by name, then environment.
  virtual Result<std::vector<SecretRecord>> list_latest_secrets() = 0;
  // Every version of (name, environment), newest first.
  virtual Result<std::vector<SecretRecord>> secret_versions(const std::string& name,
                                                            const std::string& environment) = 0;
  // Deletes every version of (name, environment); returns how many there were.
  virtual Result<int> delete_secret(const std::string& name, const std::string& environment) = 0;
  // Every version of every secret (for rekey).
  virtual Result<std::vector<SecretRecord>> all_secrets() = 0;
  // The distinct key ids the stored secrets were encrypted under.
  virtual Result<std::vector<std::string>> secret_key_ids() = 0;
  // Overwrites nonce, ciphertext and key_id of each record's (name, environment, version); all
  // of them or none (call inside transaction() to join a larger one). A missing row is NotFound.
  virtual Status replace_secret_ciphertexts(const std::vector<SecretRecord>& records) = 0;

  virtual Status put_replica(const Replica& replica) = 0;  // keyed by (service, index)
  virtual Status remove_replica(const std::string& service, int index) = 0;
  virtual Result<std::vector<Replica>> list_replicas() = 0;

  virtual Result<AuditEntry> append_audit(const AuditEntry& entry) = 0;
  virtual Result<std::vector<AuditEntry>> list_audit(int limit) = 0;

  // The schema version this database is at.
  virtual Result<int> schema_version() = 0;
};

// Opens (creating if needed) a SQLite store at path: WAL, busy timeout, foreign keys,
// migrations applied in one transaction each. A database from a newer gantry is refused.
Result<std::unique_ptr<Store>> open_sqlite(const std::string& path);

}  // namespace gantry::store
