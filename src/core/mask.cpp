// Masking (mask.h): a scan per form over the text, longest form first.
#include "core/mask.h"

#include <algorithm>

namespace gantry {

void SecretMask::set(std::vector<std::string> forms) {
  forms.erase(
      std::remove_if(forms.begin(), forms.end(), [](const std::string& f) { return f.empty(); }),
      forms.end());
  std::sort(forms.begin(), forms.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  auto next = std::make_shared<Snapshot>();
  next->forms = std::move(forms);
  std::lock_guard lock(mutex_);
  snapshot_ = std::move(next);
}

std::shared_ptr<const SecretMask::Snapshot> SecretMask::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

std::string SecretMask::apply(std::string_view text) const {
  auto s = snapshot();
  if (s->forms.empty()) return std::string(text);
  return mask_text(text, s->forms);
}

bool SecretMask::apply_in_place(std::string& text) const {
  auto s = snapshot();
  if (s->forms.empty()) return false;
  std::string masked = mask_text(text, s->forms);
  if (masked == text) return false;
  text = std::move(masked);
  return true;
}

bool SecretMask::empty() const { return snapshot()->forms.empty(); }

std::vector<std::string> SecretMask::forms() const { return snapshot()->forms; }

std::string mask_text(std::string_view text, const std::vector<std::string>& forms) {
  std::string out(text);
  for (const auto& form : forms) {
    if (form.empty() || form.size() > out.size()) continue;
    std::size_t at = out.find(form);
    if (at == std::string::npos) continue;
    std::string next;
    next.reserve(out.size());
    std::size_t from = 0;
    while (at != std::string::npos) {
      next.append(out, from, at - from);
      next += SecretMask::kReplacement;
      from = at + form.size();
      at = out.find(form, from);
    }
    next.append(out, from, std::string::npos);
    out = std::move(next);
  }
  return out;
}

}  // namespace gantry
