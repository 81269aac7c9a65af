// Built-in rules for source hosting and package registries (GitHub, GitLab, Bitbucket, npm,
// PyPI, RubyGems, NuGet, Docker Hub). Pure.
#include "scan/rules_impl.h"

namespace gantry::scan::detail {

std::vector<Rule> vcs_rules() {
  using S = Severity;
  std::vector<Rule> r;
  r.push_back(token_rule("github-pat", "GitHub personal access token (classic)", S::High,
                         R"(ghp_[A-Za-z0-9]{36,251})", {"ghp_"}, {"vcs", "github"}));
  r.push_back(token_rule("github-oauth", "GitHub OAuth access token", S::High,
                         R"(gho_[A-Za-z0-9]{36,251})", {"gho_"}, {"vcs", "github"}));
  r.push_back(token_rule("github-app-token", "GitHub App user or installation token", S::High,
                         R"(gh[us]_[A-Za-z0-9]{36,251})", {"ghu_", "ghs_"}, {"vcs", "github"}));
  r.push_back(token_rule("github-refresh-token", "GitHub refresh token", S::High,
                         R"(ghr_[A-Za-z0-9]{36,251})", {"ghr_"}, {"vcs", "github"}));
  r.push_back(token_rule("github-fine-grained-pat", "GitHub fine-grained personal access token",
                         S::High, R"(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})", {"github_pat_"},
                         {"vcs", "github"}));
  r.push_back(token_rule("gitlab-pat", "GitLab personal access token", S::High,
                         R"(glpat-[A-Za-z0-9_\-]{20,64})", {"glpat-"}, {"vcs", "gitlab"}));
  r.push_back(token_rule("gitlab-pipeline-token", "GitLab pipeline trigger token", S::High,
                         R"(glptt-[A-Za-z0-9_\-]{40,64})", {"glptt-"}, {"vcs", "gitlab"}));
  r.push_back(token_rule("gitlab-runner-token", "GitLab runner authentication token", S::High,
                         R"(glrt-[A-Za-z0-9_\-]{20,64})", {"glrt-"}, {"vcs", "gitlab"}));
  r.push_back(token_rule("gitlab-deploy-token", "GitLab deploy token", S::High,
                         R"(gldt-[A-Za-z0-9_\-]{20,64})", {"gldt-"}, {"vcs", "gitlab"}));
  r.push_back(token_rule("bitbucket-app-password", "Bitbucket app password", S::High,
                         R"(ATBB[A-Za-z0-9_=.\-]{28,100})", {"atbb"}, {"vcs", "bitbucket"}));
  r.push_back(token_rule("npm-token", "npm access token", S::High, R"(npm_[A-Za-z0-9]{36})",
                         {"npm_"}, {"registry", "npm"}));
  r.push_back(token_rule("pypi-token", "PyPI API token", S::High,
                         R"(pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{50,})",
                         {"pypi-"}, {"registry", "pypi"}));
  r.push_back(token_rule("rubygems-api-key", "RubyGems API key", S::High,
                         R"(rubygems_[a-f0-9]{48})", {"rubygems_"}, {"registry", "rubygems"}));
  r.push_back(token_rule("nuget-api-key", "NuGet API key", S::High, R"(oy2[a-z0-9]{43})", {"oy2"},
                         {"registry", "nuget"}));
  r.push_back(token_rule("docker-hub-pat", "Docker Hub personal or organization access token",
                         S::High, R"(dckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,40})", {"dckr_"},
                         {"registry", "docker"}));
  return r;
}

}  // namespace gantry::scan::detail
