// libFuzzer target: the railway.json and railway.toml importers on arbitrary bytes must return a
// result or a located error, never crash, hang or throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "spec/import_impl.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = gantry::spec::import::import_text(gantry::spec::ImportFormat::RailwayJson, text,
                                                  "fuzz/railway.json");
  if (result) {
    for (const auto& s : result->services) (void)s.name.size();
  }
  auto toml = gantry::spec::import::import_text(gantry::spec::ImportFormat::RailwayToml, text,
                                                "fuzz/railway.toml");
  (void)toml;
  return 0;
}
