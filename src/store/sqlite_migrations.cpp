// Migration 1: revisions, deployments, deployment_events, replicas, audit.
// Migration 2: revisions.artifact_digest (what a revision's build produced).
// Migration 3: one event stream (deployment_events rebuilt: deployment optional, service,
// environment, version), deployments.commit_time_ms, the notification outbox, API tokens.
// Migration 4: the vault's secrets (one row per version; ciphertext only).
#include "store/sqlite_migrations.h"

namespace gantry::store {

const std::vector<Migration>& sqlite_migrations() {
  static const std::vector<Migration> migrations = {
      {1, R"sql(
CREATE TABLE revisions (
  id            TEXT PRIMARY KEY,
  service       TEXT NOT NULL,
  environment   TEXT NOT NULL,
  number        INTEGER NOT NULL,
  version       TEXT NOT NULL,
  spec_json     TEXT NOT NULL,
  spec_hash     TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  UNIQUE (service, number)
);
CREATE INDEX revisions_by_hash ON revisions (service, spec_hash);

CREATE TABLE deployments (
  id               TEXT PRIMARY KEY,
  service          TEXT NOT NULL,
  environment      TEXT NOT NULL,
  revision_id      TEXT NOT NULL REFERENCES revisions (id),
  from_revision_id TEXT REFERENCES revisions (id),
  strategy         TEXT NOT NULL,
  version          TEXT NOT NULL,
  commit_sha       TEXT NOT NULL,
  triggered_by     TEXT NOT NULL,
  started_at_ms    INTEGER NOT NULL,
  completed_at_ms  INTEGER,
  status           TEXT NOT NULL,
  health_score     REAL NOT NULL,
  error_count      INTEGER NOT NULL,
  rollback_reason  TEXT NOT NULL,
  metadata_json    TEXT NOT NULL
);
CREATE INDEX deployments_by_service ON deployments (service, environment, started_at_ms);

CREATE TABLE deployment_events (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  deployment_id TEXT NOT NULL REFERENCES deployments (id),
  at_ms         INTEGER NOT NULL,
  type          TEXT NOT NULL,
  data_json     TEXT NOT NULL
);
CREATE INDEX deployment_events_by_deployment ON deployment_events (deployment_id, id);

CREATE TABLE replicas (
  service       TEXT NOT NULL,
  idx           INTEGER NOT NULL,
  revision_id   TEXT NOT NULL,
  version       TEXT NOT NULL,
  pid           INTEGER NOT NULL,
  start_time    INTEGER NOT NULL,
  port          INTEGER NOT NULL,
  pgid          INTEGER NOT NULL,
  state         TEXT NOT NULL,
  restarts      INTEGER NOT NULL,
  started_at_ms INTEGER NOT NULL,
  PRIMARY KEY (service, idx)
);

CREATE TABLE audit (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms       INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  target      TEXT NOT NULL,
  detail_json TEXT NOT NULL
);

CREATE TABLE sequences (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
)sql"},
      {2, R"sql(
ALTER TABLE revisions ADD COLUMN artifact_digest TEXT NOT NULL DEFAULT '';
)sql"},
      {3, R"sql(
CREATE TABLE events (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  deployment_id TEXT REFERENCES deployments (id),
  at_ms         INTEGER NOT NULL,
  type          TEXT NOT NULL,
  data_json     TEXT NOT NULL,
  service       TEXT NOT NULL DEFAULT '',
  environment   TEXT NOT NULL DEFAULT '',
  version       TEXT NOT NULL DEFAULT ''
);
INSERT INTO events (id, deployment_id, at_ms, type, data_json, service, environment, version)
  SELECT e.id, e.deployment_id, e.at_ms, e.type, e.data_json,
         COALESCE(d.service, ''), COALESCE(d.environment, ''), COALESCE(d.version, '')
  FROM deployment_events e LEFT JOIN deployments d ON d.id = e.deployment_id;
DROP TABLE deployment_events;
ALTER TABLE events RENAME TO deployment_events;
CREATE INDEX deployment_events_by_deployment ON deployment_events (deployment_id, id);

ALTER TABLE deployments ADD COLUMN commit_time_ms INTEGER;
CREATE INDEX deployments_by_start ON deployments (started_at_ms);

CREATE TABLE outbox (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  sink               TEXT NOT NULL,
  event_id           INTEGER NOT NULL,
  created_at_ms      INTEGER NOT NULL,
  next_attempt_at_ms INTEGER NOT NULL,
  attempts           INTEGER NOT NULL,
  status             TEXT NOT NULL,
  last_error         TEXT NOT NULL,
  done_at_ms         INTEGER,
  UNIQUE (sink, event_id)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at_ms);

CREATE TABLE api_tokens (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  scope         TEXT NOT NULL,
  secret_hash   TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  revoked_at_ms INTEGER
);
)sql"},
      {4, R"sql(
CREATE TABLE secrets (
  name          TEXT NOT NULL,
  environment   TEXT NOT NULL,
  version       INTEGER NOT NULL,
  nonce         BLOB NOT NULL,
  ciphertext    BLOB NOT NULL,
  key_id        TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  PRIMARY KEY (name, environment, version)
);
)sql"},
  };
  return migrations;
}

}  // namespace gantry::store
