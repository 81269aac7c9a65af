// The SQLite side of the vault's secrets table (internal to src/store); SqliteStore forwards to
// these. Same thread rules as the Database they are given.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/sqlite_db.h"
#include "store/store.h"

namespace gantry::store {

Status sqlite_put_secret(Database& db, const SecretRecord& record);
Result<std::optional<SecretRecord>> sqlite_latest_secret(Database& db, const std::string& name,
                                                         const std::string& environment);
Result<std::vector<SecretRecord>> sqlite_list_latest_secrets(Database& db);
Result<std::vector<SecretRecord>> sqlite_secret_versions(Database& db, const std::string& name,
                                                         const std::string& environment);
Result<int> sqlite_delete_secret(Database& db, const std::string& name,
                                 const std::string& environment);
Result<std::vector<SecretRecord>> sqlite_all_secrets(Database& db);
Result<std::vector<std::string>> sqlite_secret_key_ids(Database& db);
// Not a transaction of its own: SqliteStore wraps it in one.
Status sqlite_replace_secret_ciphertexts(Database& db, const std::vector<SecretRecord>& records);

}  // namespace gantry::store
