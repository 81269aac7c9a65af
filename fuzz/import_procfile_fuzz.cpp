// libFuzzer target: the Procfile importer on arbitrary bytes must return a result or a located
// error, never crash, hang or throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "spec/import_impl.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = gantry::spec::import::import_text(gantry::spec::ImportFormat::Procfile, text,
                                                  "fuzz/Procfile");
  if (result) {
    for (const auto& s : result->services) (void)s.name.size();
  }
  return 0;
}
