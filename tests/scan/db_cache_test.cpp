// The compiled-rules cache: the first compile writes scan-<key>.hsdb (0600), the next compile
// loads it and finds the same, a corrupt file is replaced, other rules use another file,
// GANTRY_SCAN_CACHE=off and an unwritable folder mean no cache.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "scan/fake_secrets.h"
#include "scan/scanner.h"
#include "support/temp_dir.h"

namespace gantry::scan {
namespace {

namespace fs = std::filesystem;
namespace t = gantry::testing;

// Points $XDG_CACHE_HOME at a fresh folder for one test and restores it after.
class CacheHome {
 public:
  CacheHome() : dir_("gantry-scan-cache") {
    if (const char* old = std::getenv("XDG_CACHE_HOME")) old_ = old;
    had_old_ = std::getenv("XDG_CACHE_HOME") != nullptr;
    ::setenv("XDG_CACHE_HOME", dir_.path().c_str(), 1);
    ::unsetenv("GANTRY_SCAN_CACHE");
  }
  ~CacheHome() {
    if (had_old_) {
      ::setenv("XDG_CACHE_HOME", old_.c_str(), 1);
    } else {
      ::unsetenv("XDG_CACHE_HOME");
    }
    ::unsetenv("GANTRY_SCAN_CACHE");
  }
  const std::string& path() const { return dir_.path(); }

  // The scan-*.hsdb files in $XDG_CACHE_HOME/gantry.
  std::vector<fs::path> files() const {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_.path() + "/gantry", ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("scan-", 0) == 0 && e.path().extension() == ".hsdb") out.push_back(e.path());
    }
    return out;
  }

 private:
  t::TempDir dir_;
  std::string old_;
  bool had_old_ = false;
};

std::shared_ptr<const Matcher> compile(const ScanConfig& config) {
  auto r = Matcher::compile(config);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  return r.ok() ? *r : nullptr;
}

// "rule_id secret" per finding of a matcher in a sample with two secrets.
std::vector<std::string> findings(const Matcher& m, const std::string& text) {
  auto scratch = m.make_scratch();
  std::vector<Finding> out;
  m.scan(text, "app/.env", *scratch, out);
  std::vector<std::string> ids;
  for (const auto& f : out) ids.push_back(f.rule_id + " " + f.secret);
  return ids;
}

std::string sample() {
  static const std::string text = "GITHUB_TOKEN=" +
                                  t::fake_token(
                                      "gh"
                                      "p_",
                                      t::kAlnum, 36) +
                                  "\nDB_PASSWORD=" + t::fake(t::kAlnum, 24) + "\n";
  return text;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(CompiledRulesCache, FirstCompileWritesTheFileAndTheNextLoadsIt) {
  CacheHome home;
  const auto first = compile(default_config());
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->from_cache());
  const auto files = home.files();
  ASSERT_EQ(files.size(), 1u);
  struct stat st {};
  ASSERT_EQ(::stat(files[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const auto second = compile(default_config());
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->from_cache());
  const auto expected = findings(*first, sample());
  EXPECT_EQ(expected.size(), 2u);
  EXPECT_EQ(findings(*second, sample()), expected);
}

TEST(CompiledRulesCache, CorruptFileIsIgnoredAndReplaced) {
  CacheHome home;
  ASSERT_TRUE(compile(default_config()));
  const auto files = home.files();
  ASSERT_EQ(files.size(), 1u);
  const std::string good = read(files[0]);
  {
    std::ofstream out(files[0], std::ios::binary | std::ios::trunc);
    out << "not a Hyperscan database";
  }
  const auto m = compile(default_config());
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->from_cache());
  EXPECT_EQ(findings(*m, sample()).size(), 2u);
  EXPECT_EQ(read(files[0]).size(), good.size());
  const auto again = compile(default_config());
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->from_cache());
}

TEST(CompiledRulesCache, DifferentRulesUseADifferentFile) {
  CacheHome home;
  ASSERT_TRUE(compile(default_config()));
  ScanConfig custom = default_config();
  Rule r;
  r.id = "acme-internal-token";
  r.description = "Acme internal token";
  r.pattern = "acme_[a-z0-9]{32}";
  r.tags = {"custom"};
  custom.rules.push_back(r);
  const auto m = compile(custom);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->from_cache());
  EXPECT_EQ(home.files().size(), 2u);
  const std::string token = "acme_" + t::fake(t::kLowerAlnum, 32);
  const auto found = findings(*m, "TOKEN_X=" + token + "\n");
  EXPECT_NE(std::find(found.begin(), found.end(), "acme-internal-token " + token), found.end());
}

TEST(CompiledRulesCache, OffInTheEnvironmentDisablesIt) {
  CacheHome home;
  ::setenv("GANTRY_SCAN_CACHE", "off", 1);
  const auto a = compile(default_config());
  const auto b = compile(default_config());
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(b->from_cache());
  EXPECT_TRUE(home.files().empty());
  EXPECT_EQ(findings(*b, sample()).size(), 2u);
}

TEST(CompiledRulesCache, UnwritableFolderFallsBackToCompiling) {
  CacheHome home;
  // A regular file where the cache folder would go: no folder can be made under it.
  const std::string blocker = home.path() + "/not-a-dir";
  std::ofstream(blocker) << "x";
  ::setenv("XDG_CACHE_HOME", blocker.c_str(), 1);
  const auto a = compile(default_config());
  const auto b = compile(default_config());
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(b->from_cache());
  EXPECT_EQ(findings(*b, sample()).size(), 2u);
}

}  // namespace
}  // namespace gantry::scan
