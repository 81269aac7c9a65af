// libFuzzer target for the spec parser: any input must give a Spec or an Error, never a
// crash, a hang, or an exception. Rendering a parsed spec must not crash either.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "spec/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  gantry::spec::LoadOptions options;
  options.file = "fuzz.yaml";
  options.use_process_env = false;
  options.interpolation = gantry::spec::Interpolation::Lenient;
  for (const char* environment : {"", "production"}) {
    options.environment = environment;
    auto spec = gantry::spec::parse_spec(text, options);
    if (spec) {
      (void)gantry::spec::render_yaml(*spec);
      (void)gantry::spec::render_json(*spec);
    }
  }
  return 0;
}
