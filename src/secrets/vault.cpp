// The vault over a Store: versions, encryption with bound associated data, audit rows. Used from
// one thread at a time (it wraps one store connection).
#include <nlohmann/json.hpp>

#include "core/units.h"
#include "secrets/crypto_impl.h"
#include "secrets/secrets.h"

namespace gantry::secrets {
namespace {

using nlohmann::json;

std::string target_of(const std::string& name, const std::string& environment) {
  return environment.empty() ? "secret/" + name : "secret/" + name + "@" + environment;
}

std::string describe(const std::string& name, const std::string& environment) {
  return "secret '" + name + "'" +
         (environment.empty() ? std::string(" (every environment)")
                              : " (environment '" + environment + "')");
}

Status check_environment(const std::string& environment) {
  if (environment.empty()) return {};
  auto ok = check_secret_name(environment);
  if (!ok) {
    return make_error(ErrorCode::Invalid, "'" + environment +
                                              "' is not an environment name: use letters, "
                                              "digits, '.', '_' or '-' (e.g. production)");
  }
  return {};
}

Status check_value(std::string_view value) {
  if (value.empty()) {
    return make_error(ErrorCode::Invalid, "the value is empty; an empty secret is refused");
  }
  if (value.size() > kMaxSecretBytes) {
    return make_error(ErrorCode::Invalid, "the value is " + std::to_string(value.size()) +
                                              " bytes; a secret may have at most " +
                                              std::to_string(kMaxSecretBytes) + " (64 KiB)");
  }
  return {};
}

Status audit(store::Store& store, const std::string& actor, const std::string& action,
             const std::string& target, const json& detail) {
  store::AuditEntry entry;
  entry.at_ms = now_unix_ms();
  entry.actor = actor;
  entry.action = action;
  entry.target = target;
  entry.detail_json = detail.dump();
  auto added = store.append_audit(entry);
  if (!added) return added.error();
  return {};
}

Error not_found(const std::string& name, const std::string& environment) {
  return make_error(ErrorCode::NotFound,
                    "no " + describe(name, environment) + " (`gantry secrets list` shows them)");
}

Error key_mismatch(const MasterKey& key, const std::string& stored_ids) {
  return make_error(ErrorCode::Invalid,
                    "the master key (id " + key.id() +
                        ") does not open this vault (its secrets "
                        "are under key id " +
                        stored_ids + "): set GANTRY_MASTER_KEY or --key-file to the right key");
}

SecretInfo info_of(const store::SecretRecord& r) {
  return SecretInfo{r.name, r.environment, r.version, r.created_at_ms, r.created_by};
}

// The plaintext of one row, or an error naming the row (never garbage, never the value).
Result<std::string> decrypt(const MasterKey& key, const store::SecretRecord& r) {
  if (r.key_id != key.id()) return key_mismatch(key, r.key_id);
  auto plain = detail::open_sealed(key, r.nonce, r.ciphertext,
                                   detail::associated_data(r.name, r.environment, r.version));
  if (!plain) {
    return make_error(ErrorCode::Conflict,
                      describe(r.name, r.environment) + " version " + std::to_string(r.version) +
                          " does not decrypt: its ciphertext, nonce, name, environment or "
                          "version was changed in the store (restore state.db from a backup, "
                          "or set the secret again)");
  }
  return std::move(*plain);
}

store::SecretRecord seal_record(const MasterKey& key, const std::string& name,
                                const std::string& environment, int version, std::string_view value,
                                const std::string& actor) {
  auto sealed = detail::seal(key, value, detail::associated_data(name, environment, version));
  store::SecretRecord r;
  r.name = name;
  r.environment = environment;
  r.version = version;
  r.nonce = std::move(sealed.nonce);
  r.ciphertext = std::move(sealed.ciphertext);
  r.key_id = key.id();
  r.created_at_ms = now_unix_ms();
  r.created_by = actor;
  return r;
}

}  // namespace

Result<Vault> Vault::open(store::Store& store, const MasterKey& key) {
  auto ids = store.secret_key_ids();
  if (!ids) return ids.error();
  std::string others;
  for (const auto& id : *ids) {
    if (id == key.id()) continue;
    others += (others.empty() ? "" : ", ") + id;
  }
  if (!others.empty()) return key_mismatch(key, others);
  return Vault(store, key);
}

Result<int> Vault::set(const std::string& name, const std::string& environment,
                       std::string_view value, const std::string& actor) {
  if (auto ok = check_secret_name(name); !ok) return ok.error();
  if (auto ok = check_environment(environment); !ok) return ok.error();
  if (auto ok = check_value(value); !ok) return ok.error();
  int version = 0;
  auto st = store_->transaction([&]() -> Status {
    auto latest = store_->latest_secret(name, environment);
    if (!latest) return latest.error();
    version = *latest ? (*latest)->version + 1 : 1;
    if (auto put = store_->put_secret(seal_record(key_, name, environment, version, value, actor));
        !put) {
      return put;
    }
    return audit(*store_, actor, "secret.set", target_of(name, environment),
                 {{"version", version}, {"environment", environment}});
  });
  if (!st) return st.error();
  return version;
}

Result<int> Vault::rotate(const std::string& name, const std::string& environment,
                          std::string_view value, const std::string& actor) {
  if (auto ok = check_secret_name(name); !ok) return ok.error();
  if (auto ok = check_environment(environment); !ok) return ok.error();
  if (auto ok = check_value(value); !ok) return ok.error();
  int version = 0;
  auto st = store_->transaction([&]() -> Status {
    auto latest = store_->latest_secret(name, environment);
    if (!latest) return latest.error();
    if (!*latest) {
      return make_error(ErrorCode::NotFound, "no " + describe(name, environment) +
                                                 " to rotate (`gantry secrets set " + name +
                                                 "` makes it)");
    }
    version = (*latest)->version + 1;
    if (auto put = store_->put_secret(seal_record(key_, name, environment, version, value, actor));
        !put) {
      return put;
    }
    return audit(*store_, actor, "secret.rotated", target_of(name, environment),
                 {{"version", version},
                  {"previous_version", (*latest)->version},
                  {"environment", environment}});
  });
  if (!st) return st.error();
  return version;
}

Result<std::vector<SecretInfo>> Vault::list(const std::optional<std::string>& environment) {
  auto rows = store_->list_latest_secrets();
  if (!rows) return rows.error();
  std::vector<SecretInfo> out;
  for (const auto& r : *rows) {
    if (environment && r.environment != *environment) continue;
    out.push_back(info_of(r));
  }
  return out;
}

Result<std::vector<SecretInfo>> Vault::versions(const std::string& name,
                                                const std::string& environment) {
  auto rows = store_->secret_versions(name, environment);
  if (!rows) return rows.error();
  std::vector<SecretInfo> out;
  for (const auto& r : *rows) out.push_back(info_of(r));
  return out;
}

Status Vault::remove(const std::string& name, const std::string& environment,
                     const std::string& actor) {
  return store_->transaction([&]() -> Status {
    auto removed = store_->delete_secret(name, environment);
    if (!removed) return removed.error();
    if (*removed == 0) return not_found(name, environment);
    return audit(*store_, actor, "secret.removed", target_of(name, environment),
                 {{"versions", *removed}, {"environment", environment}});
  });
}

Result<std::string> Vault::reveal(const std::string& name, const std::string& environment,
                                  const std::string& actor) {
  auto latest = store_->latest_secret(name, environment);
  if (!latest) return latest.error();
  if (!*latest) return not_found(name, environment);
  auto value = decrypt(key_, **latest);
  if (!value) return value.error();
  // No audit row, no value: a reveal that cannot be recorded does not happen.
  if (auto st = audit(*store_, actor, "secret.revealed", target_of(name, environment),
                      {{"version", (*latest)->version}, {"environment", environment}});
      !st) {
    detail::wipe(*value);
    return st.error();
  }
  return value;
}

Result<std::string> Vault::resolve(const std::string& name, const std::string& environment) {
  auto own = store_->latest_secret(name, environment);
  if (!own) return own.error();
  if (*own) return decrypt(key_, **own);
  if (!environment.empty()) {
    auto shared = store_->latest_secret(name, "");
    if (!shared) return shared.error();
    if (*shared) return decrypt(key_, **shared);
  }
  return make_error(ErrorCode::NotFound,
                    "no secret '" + name + "'" +
                        (environment.empty()
                             ? std::string()
                             : " for environment '" + environment + "' nor for every environment") +
                        ": `gantry secrets set " + name +
                        (environment.empty() ? std::string() : " [--env " + environment + "]") +
                        "` stores it");
}

Status Vault::rekey(const MasterKey& new_key, const std::string& actor) {
  const std::string old_id = key_.id();
  auto st = store_->transaction([&]() -> Status {
    auto rows = store_->all_secrets();
    if (!rows) return rows.error();
    std::vector<store::SecretRecord> resealed;
    resealed.reserve(rows->size());
    for (const auto& r : *rows) {
      auto plain = decrypt(key_, r);
      if (!plain) return plain.error();
      auto sealed =
          detail::seal(new_key, *plain, detail::associated_data(r.name, r.environment, r.version));
      detail::wipe(*plain);
      store::SecretRecord next = r;
      next.nonce = std::move(sealed.nonce);
      next.ciphertext = std::move(sealed.ciphertext);
      next.key_id = new_key.id();
      resealed.push_back(std::move(next));
    }
    if (auto replaced = store_->replace_secret_ciphertexts(resealed); !replaced) return replaced;
    return audit(
        *store_, actor, "secret.rekeyed", "vault",
        {{"from_key_id", old_id}, {"to_key_id", new_key.id()}, {"versions", resealed.size()}});
  });
  if (!st) return st;
  key_ = new_key;
  return {};
}

Result<std::vector<std::string>> Vault::live_values(const std::string& environment) {
  auto rows = store_->list_latest_secrets();
  if (!rows) return rows.error();
  // Sorted by name, then environment: "" comes first, so an environment's own one replaces it.
  std::vector<const store::SecretRecord*> chosen;
  for (const auto& r : *rows) {
    if (r.environment != "" && r.environment != environment) continue;
    if (!chosen.empty() && chosen.back()->name == r.name) {
      chosen.back() = &r;
    } else {
      chosen.push_back(&r);
    }
  }
  std::vector<std::string> values;
  for (const auto* r : chosen) {
    auto value = decrypt(key_, *r);
    if (!value) return value.error();
    values.push_back(std::move(*value));
  }
  return values;
}

}  // namespace gantry::secrets
