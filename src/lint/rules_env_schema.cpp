// env-schema (values that break their schema, required vars missing) and env-unknown (vars
// a non-empty schema does not declare). Values of secret vars are never printed.
#include <string>

#include "lint/env_schema.h"
#include "lint/rules_impl.h"

namespace gantry::lint::detail {
namespace {

// Variables gantry sets itself on every replica.
bool is_gantry_var(const std::string& name) {
  return name == "PORT" || name.rfind("GANTRY_", 0) == 0;
}

void check_service(Context& ctx, const spec::Service& s) {
  const std::string base = service_path(s);
  for (const auto& [name, schema] : s.env_schema) {
    // The environment's stricter section wins over the base entry.
    const std::string& env = ctx.spec().environment;
    const std::string schema_path = env.empty()
                                        ? base + ".env_schema." + name
                                        : ctx.pick_path({base + ".env_schema." + env + "." + name,
                                                         base + ".env_schema." + name});
    auto it = s.env.find(name);
    if (it == s.env.end()) {
      if (schema.required && !schema.default_value) {
        ctx.add("env-schema", schema_path,
                base + ": " + name + " is required by env_schema but not set",
                "set it under " + base +
                    ".env (a secret://NAME reference for a secret), or "
                    "give the schema a default");
      } else if (schema.default_value) {
        if (auto problem = validate_value(schema, *schema.default_value)) {
          ctx.add("env-schema", schema_path,
                  schema_path + ": the default does not satisfy its own schema: " + *problem,
                  "fix the default or the schema");
        }
      }
      continue;
    }
    const spec::EnvValue& v = it->second;
    // Unresolved ${VAR} and secret references are known only at deploy time: they count as
    // set, and are checked then.
    if (v.unresolved || v.is_secret_ref()) continue;
    const std::string path = env_var_path(ctx, s, name);
    const bool hide = is_secret_var(name, &schema);
    const std::string shown = hide ? name : name + "=\"" + v.value + "\"";
    if (v.value.empty() && schema.required) {
      ctx.add("env-schema", path, path + ": " + name + " is required but empty",
              "give it a value, or remove it so the schema default applies");
      continue;
    }
    if (auto problem = validate_value(schema, v.value)) {
      ctx.add(
          "env-schema", path, path + ": " + shown + " " + *problem,
          "change the value (or the env_schema entry at " + ctx.short_location(schema_path) + ")");
    }
  }
  if (s.env_schema.empty()) return;
  for (const auto& [name, value] : s.env) {
    if (s.env_schema.count(name) || is_gantry_var(name)) continue;
    const std::string path = env_var_path(ctx, s, name);
    ctx.add("env-unknown", path, path + ": " + name + " is not declared in " + base + ".env_schema",
            "declare it in env_schema (with its type), or remove it if nothing reads it");
  }
}

}  // namespace

void check_env_schema(Context& ctx) {
  for (const auto& s : ctx.spec().services) check_service(ctx, s);
}

}  // namespace gantry::lint::detail
