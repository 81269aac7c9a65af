// Opening a vault from its key file, and rekeying it so that a crash at any point loses
// nothing (the new key is on disk before the store changes; an interrupted rename is finished
// by the next open_vault). Same thread rules as Vault.
#include <unistd.h>

#include "secrets/crypto_impl.h"
#include "secrets/key_file_impl.h"
#include "secrets/secrets.h"

namespace gantry::secrets {
namespace {

std::string pending_file(const std::string& key_file) { return key_file + ".new"; }

// True when every stored secret is under key (an empty vault opens with any key).
Result<bool> opens(store::Store& store, const MasterKey& key) {
  auto ids = store.secret_key_ids();
  if (!ids) return ids.error();
  for (const auto& id : *ids) {
    if (id != key.id()) return false;
  }
  return true;
}

}  // namespace

Result<Vault> open_vault(store::Store& store, const std::string& key_file) {
  auto key = load_master_key(key_file);
  if (master_key_from_env()) {
    if (!key) return key.error();
    return Vault::open(store, *key);
  }
  if (key) {
    auto ok = opens(store, *key);
    if (!ok) return ok.error();
    // A KEYFILE.new beside a key that opens the vault is a rekey that never committed: it is
    // left alone (a rekey running right now may be about to commit under it).
    if (*ok) return Vault::open(store, *key);
  } else if (key.error().code != ErrorCode::NotFound) {
    return key.error();
  }
  // The key file is missing or does not open the store: a rekey may have committed and
  // crashed before its rename.
  auto pending = detail::read_key_file(pending_file(key_file));
  if (pending) {
    auto ok = opens(store, *pending);
    if (!ok) return ok.error();
    if (*ok) {
      if (auto renamed = detail::rename_durably(pending_file(key_file), key_file); !renamed) {
        return renamed.error();
      }
      return Vault::open(store, *pending);
    }
  }
  if (!key) return key.error();
  return Vault::open(store, *key);  // the error naming both key ids
}

Status rekey_vault(Vault& vault, const MasterKey& new_key, const std::string& key_file,
                   const std::string& actor) {
  if (master_key_from_env()) return vault.rekey(new_key, actor);
  const std::string pending = pending_file(key_file);
  // The store's write lock is held from here to the commit, so two rekeys cannot interleave:
  // the second one finds the store under a key it does not hold and stops before writing.
  bool wrote_pending = false;
  const MasterKey old_key = vault.key();
  auto st = vault.store().transaction([&]() -> Status {
    auto ok = opens(vault.store(), vault.key());
    if (!ok) return ok.error();
    if (!*ok) {
      return make_error(ErrorCode::Conflict,
                        "the vault was rekeyed by someone else meanwhile; nothing was changed");
    }
    if (auto written = detail::write_key_file(pending, new_key); !written) return written;
    wrote_pending = true;
    return vault.rekey(new_key, actor);
  });
  if (!st) {
    // The store is unchanged (a failed commit rolls back too): the old key still holds.
    if (wrote_pending) ::unlink(pending.c_str());
    if (auto reopened = Vault::open(vault.store(), old_key)) vault = *reopened;
    return st;
  }
  if (auto renamed = detail::rename_durably(pending, key_file); !renamed) {
    return make_error(ErrorCode::Io, "the vault is now under key id " + new_key.id() +
                                         ", which is in " + pending + " but could not replace " +
                                         key_file + " (" + renamed.error().message +
                                         "): move it there; gantry also does on its next start");
  }
  return {};
}

}  // namespace gantry::secrets
