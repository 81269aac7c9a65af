// The SQLite side of the notification outbox and the API tokens (internal to src/store);
// SqliteStore forwards to these. Same thread rules as the Database they are given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite_db.h"
#include "store/store.h"

namespace gantry::store {

Result<std::int64_t> sqlite_enqueue_outbox(Database& db, const OutboxItem& item);
Result<std::vector<OutboxItem>> sqlite_due_outbox(Database& db, std::int64_t now_ms, int limit);
Status sqlite_update_outbox(Database& db, const OutboxItem& item);
Result<std::vector<OutboxItem>> sqlite_list_outbox(Database& db, int limit);
Result<std::optional<std::int64_t>> sqlite_next_outbox_due(Database& db);

Status sqlite_put_token(Database& db, const ApiToken& token);
Result<std::optional<ApiToken>> sqlite_get_token(Database& db, const std::string& id);
Result<std::vector<ApiToken>> sqlite_list_tokens(Database& db);
Status sqlite_revoke_token(Database& db, const std::string& id_or_name, std::int64_t at_ms);

}  // namespace gantry::store
