// The daemon's view of the vault (vault_secrets.h).
#include "daemon/vault_secrets.h"

namespace gantry::daemon {

VaultSecrets::VaultSecrets(std::string db_path, std::string key_file, std::string environment)
    : db_path_(std::move(db_path)),
      key_file_(std::move(key_file)),
      environment_(std::move(environment)) {}

Status VaultSecrets::reload() {
  std::lock_guard lock(mutex_);
  return reload_locked();
}

Status VaultSecrets::reload_locked() {
  if (!store_) {
    auto opened = store::open_sqlite(db_path_);
    if (!opened) return opened.error();
    store_ = std::move(*opened);
  }
  // open_vault also finishes a rekey that a crash interrupted (KEYFILE.new).
  auto vault = secrets::open_vault(*store_, key_file_);
  if (!vault) {
    key_.reset();
    key_error_ = vault.error().message;
    if (vault.error().code == ErrorCode::NotFound) {  // no key made yet: nothing to resolve
      versions_.clear();
      mask_->set({});
      return {};
    }
    return vault.error();
  }
  key_ = vault->key();
  key_error_.clear();
  auto listed = vault->list(std::nullopt);
  if (!listed) return listed.error();
  // What resolve() takes: this environment's own secret, else the one for every environment.
  std::map<std::string, int> versions;
  for (const auto& info : *listed) {
    if (info.environment.empty()) versions.emplace(info.name, info.version);
  }
  for (const auto& info : *listed) {
    if (!environment_.empty() && info.environment == environment_) {
      versions[info.name] = info.version;
    }
  }
  auto values = vault->live_values(environment_);
  if (!values) return values.error();
  std::vector<std::string> forms;
  for (const auto& v : *values) {
    for (auto& f : secrets::mask_forms(v)) forms.push_back(std::move(f));
  }
  versions_ = std::move(versions);
  mask_->set(std::move(forms));
  return {};
}

Result<std::string> VaultSecrets::resolve(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (!key_) {
    if (auto st = reload_locked(); !st) return st.error();
    if (!key_) return make_error(ErrorCode::Invalid, key_error_);
  }
  auto vault = secrets::Vault::open(*store_, *key_);
  if (!vault) {
    // A rekey since the last reload: read the key again, once.
    if (auto st = reload_locked(); !st) return st.error();
    if (!key_) return make_error(ErrorCode::Invalid, key_error_);
    vault = secrets::Vault::open(*store_, *key_);
    if (!vault) return vault.error();
  }
  auto value = vault->resolve(std::string(name), environment_);
  if (!value) return value.error();
  return value;
}

int VaultSecrets::version(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = versions_.find(std::string(name));
  return it == versions_.end() ? 0 : it->second;
}

bool VaultSecrets::has_key() {
  std::lock_guard lock(mutex_);
  return key_.has_value();
}

}  // namespace gantry::daemon
