// The daemon's view of the vault: resolves secret://NAME for replicas, hooks and notifications,
// knows each secret's version, and keeps the mask of live values up to date. It has its own
// store connection. Thread-safe (one mutex): the control plane, the notifier and the API call it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/mask.h"
#include "core/result.h"
#include "secrets/secrets.h"
#include "store/store.h"

namespace gantry::daemon {

class VaultSecrets {
 public:
  // db_path: the daemon's store; key_file: where `gantry init` put the key (GANTRY_MASTER_KEY
  // wins); environment: the daemon's, whose secrets win over the every-environment ones.
  VaultSecrets(std::string db_path, std::string key_file, std::string environment);

  // Reads the key and every live value again and updates the mask. Without a key (none made
  // yet) it succeeds with nothing to resolve; a wrong key or an unreadable store is an error.
  Status reload();
  // The latest value for this environment. A missing key or secret says how to set it.
  Result<std::string> resolve(std::string_view name);
  // The latest version for this environment; 0 when there is none (or no key).
  int version(std::string_view name);
  // The mask of live values (shared with the store, the API and the log pumps).
  std::shared_ptr<SecretMask> mask() const { return mask_; }
  bool has_key();

 private:
  Status reload_locked();
  std::string db_path_;
  std::string key_file_;
  std::string environment_;
  std::mutex mutex_;
  std::unique_ptr<store::Store> store_;
  std::optional<secrets::MasterKey> key_;
  std::string key_error_;                // why there is no key
  std::map<std::string, int> versions_;  // name -> latest version this environment resolves
  std::shared_ptr<SecretMask> mask_ = std::make_shared<SecretMask>();
};

}  // namespace gantry::daemon
