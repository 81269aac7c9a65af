// The vault: secrets encrypted with a master key (libsodium XChaCha20-Poly1305, a fresh nonce
// per value, name + environment + version bound as associated data), stored as ciphertext
// only, versioned, audited. Plus the forms of a value that masking must catch. A Vault is used
// from one thread at a time (it wraps one store connection); MasterKey is immutable.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace gantry::secrets {

// A 32-byte key. Its id (the first 16 hex digits of a BLAKE2b hash of the key) names it in
// messages and in the store, never the key itself.
class MasterKey {
 public:
  static constexpr std::size_t kSize = 32;
  static MasterKey generate();
  // From text: 64 hex digits, or standard base64 of 32 bytes (what `gantry init` writes).
  static Result<MasterKey> parse(std::string_view text);
  std::string encoded() const;  // base64, for a key file
  std::string id() const;
  const std::array<unsigned char, kSize>& bytes() const { return bytes_; }
  ~MasterKey();  // wipes the bytes (sodium_memzero)
  MasterKey(const MasterKey&) = default;
  MasterKey& operator=(const MasterKey&) = default;

 private:
  MasterKey() = default;
  std::array<unsigned char, kSize> bytes_{};
};

// Where the key comes from: GANTRY_MASTER_KEY when it is set (an error if malformed), else the
// key file (its mode must be 0600 or stricter). A missing key says how to make one (gantry init).
Result<MasterKey> load_master_key(const std::string& key_file);

// `gantry init`: writes a new key to key_file (mode 0600, its directory 0700), atomically, and
// refuses to overwrite an existing one.
Result<MasterKey> create_key_file(const std::string& key_file);

// The default key file in a state dir: STATE_DIR/master.key.
std::string key_file_in(const std::string& state_dir);

// A secret's metadata: never its value.
struct SecretInfo {
  std::string name;
  std::string environment;  // "" = every environment
  int version = 0;
  std::int64_t created_at_ms = 0;
  std::string created_by;
};

// A valid secret name: [A-Za-z0-9][A-Za-z0-9._-]{0,127}; an Invalid error says what is allowed.
Status check_secret_name(std::string_view name);

class Vault {
 public:
  // Fails when the store's secrets were written under another key (names both key ids).
  static Result<Vault> open(store::Store& store, const MasterKey& key);

  // Adds a version (1 for a new name); returns it. Audited as secret.set.
  Result<int> set(const std::string& name, const std::string& environment, std::string_view value,
                  const std::string& actor);
  // The latest version of each secret (environment nullopt = all of them).
  Result<std::vector<SecretInfo>> list(const std::optional<std::string>& environment);
  // Every version of one secret, newest first.
  Result<std::vector<SecretInfo>> versions(const std::string& name, const std::string& environment);
  // Deletes every version. NotFound when there is none. Audited as secret.removed.
  Status remove(const std::string& name, const std::string& environment, const std::string& actor);
  // The latest value, for a person: audited as secret.revealed.
  Result<std::string> reveal(const std::string& name, const std::string& environment,
                             const std::string& actor);
  // The latest value for a process of `environment`: the environment's own secret, else the
  // one for every environment (""). Not audited (resolution happens at each spawn).
  Result<std::string> resolve(const std::string& name, const std::string& environment);
  // A new version with a new value. Audited as secret.rotated.
  Result<int> rotate(const std::string& name, const std::string& environment,
                     std::string_view value, const std::string& actor);
  // Re-encrypts every version under new_key in one transaction; afterwards only new_key opens
  // the store. Audited as secret.rekeyed.
  Status rekey(const MasterKey& new_key, const std::string& actor);
  // The latest values of every secret `environment` can resolve: what masking must hide.
  Result<std::vector<std::string>> live_values(const std::string& environment);

  const MasterKey& key() const { return key_; }
  store::Store& store() const { return *store_; }  // (addition)

 private:
  Vault(store::Store& store, const MasterKey& key) : store_(&store), key_(key) {}
  store::Store* store_;
  MasterKey key_;
};

// --- Additions by the vault's implementation (additive to the contract above). ---

// The largest secret value the vault takes.
constexpr std::size_t kMaxSecretBytes = 64 * 1024;

// True when GANTRY_MASTER_KEY is set: it then wins over any key file.
bool master_key_from_env();

// load_master_key(key_file) + Vault::open, finishing a rekey that a crash interrupted: when
// the key file does not open the store but key_file + ".new" does, that key is used and renamed
// over key_file. Use this wherever a vault is opened from a key file (CLI, daemon, reload).
Result<Vault> open_vault(store::Store& store, const std::string& key_file);

// Vault::rekey, safe against a crash at any point: the new key goes to key_file + ".new"
// (0600, fsync) inside the store's write transaction, then the ciphertexts are replaced, then
// the new file is renamed over key_file (directory fsynced). With GANTRY_MASTER_KEY set no
// file is written: the caller must hand the new key to the person (it exists nowhere else).
Status rekey_vault(Vault& vault, const MasterKey& new_key, const std::string& key_file,
                   const std::string& actor);

// `bytes` random bytes as unpadded base64url (`gantry secrets rotate --generate`).
std::string random_value(std::size_t bytes);

// The forms of a value that masking replaces: the value, its standard and URL-safe base64 (with
// and without padding), its percent-encoding, and its JSON-escaped form; values shorter than
// kMinMaskLength are not masked (they would blank out ordinary text).
constexpr std::size_t kMinMaskLength = 4;
std::vector<std::string> mask_forms(std::string_view value);

}  // namespace gantry::secrets
