#include "xc/functional.hpp"

#include <xc.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include "core/error.hpp"

namespace hamlet::xc {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const std::map<std::string, std::vector<int>>& named_functionals() {
  static const std::map<std::string, std::vector<int>> table = {
      {"svwn", {XC_LDA_X, XC_LDA_C_VWN_RPA}},
      {"pbe", {XC_GGA_X_PBE, XC_GGA_C_PBE}},
      {"blyp", {XC_GGA_X_B88, XC_GGA_C_LYP}},
      {"b3lyp", {XC_HYB_GGA_XC_B3LYP}},
      {"pbe0", {XC_HYB_GGA_XC_PBEH}},
      {"hf", {}},
  };
  return table;
}

std::string valid_names_message() {
  std::ostringstream os;
  os << "valid names: ";
  bool first = true;
  for (const auto& name : Functional::known_names()) {
    os << (first ? "" : ", ") << name;
    first = false;
  }
  os << ", or libxc functional names joined by '+' (e.g. lda_x+lda_c_pw)";
  return os.str();
}

// Per-thread scratch so that evaluation inside OpenMP regions does not allocate per call.
std::vector<double>& scratch(int which, size_t n) {
  thread_local std::vector<double> buffers[4];
  auto& b = buffers[which];
  if (b.size() < n) b.resize(n);
  return b;
}

}  // namespace

void LibxcFunctional::Deleter::operator()(xc_func_type* f) const {
  xc_func_end(f);
  xc_func_free(f);
}

LibxcFunctional::LibxcFunctional(int libxc_id, bool spin_polarized) : id_(libxc_id) {
  xc_func_type* f = xc_func_alloc();
  if (xc_func_init(f, libxc_id, spin_polarized ? XC_POLARIZED : XC_UNPOLARIZED) != 0) {
    xc_func_free(f);
    throw Error("libxc does not know functional id " + std::to_string(libxc_id));
  }
  func_.reset(f);
}

LibxcFunctional::~LibxcFunctional() = default;
LibxcFunctional::LibxcFunctional(LibxcFunctional&&) noexcept = default;
LibxcFunctional& LibxcFunctional::operator=(LibxcFunctional&&) noexcept = default;

std::string LibxcFunctional::name() const { return func_->info->name; }

bool LibxcFunctional::needs_gradient() const {
  const int fam = func_->info->family;
  return fam == XC_FAMILY_GGA || fam == XC_FAMILY_HYB_GGA;
}

bool LibxcFunctional::is_meta() const {
  const int fam = func_->info->family;
  return fam == XC_FAMILY_MGGA || fam == XC_FAMILY_HYB_MGGA;
}

Functional::Functional(std::string name, std::vector<int> ids)
    : name_(std::move(name)), ids_(std::move(ids)) {
  for (int id : ids_) {
    unpolarized_.emplace_back(id, false);
    polarized_.emplace_back(id, true);
    const LibxcFunctional& f = unpolarized_.back();
    if (f.is_meta())
      throw Error("functional '" + name_ + "': meta-GGA component " + f.name() +
                  " is not supported (LDA and GGA only)");
    const int fam = f.get()->info->family;
    if (fam != XC_FAMILY_LDA && fam != XC_FAMILY_GGA && fam != XC_FAMILY_HYB_GGA &&
        fam != XC_FAMILY_HYB_LDA)
      throw Error("functional '" + name_ + "': component " + f.name() + " has an unsupported family");
    if (f.get()->info->flags & XC_FLAGS_VV10)
      throw Error("functional '" + name_ + "': VV10 non-local correlation is not supported");
    gga_ = gga_ || f.needs_gradient();
    // libxc: exchange kernel [cam_alpha + cam_beta erfc(omega r)] / r (0 for non-hybrids).
    exx_.alpha += f.get()->cam_alpha;
    exx_.beta += f.get()->cam_beta;
    if (f.get()->cam_omega != 0.0) exx_.omega = f.get()->cam_omega;
  }
  if (!exx_.range_separated()) exx_.omega = 0.0;
  if (ids_.empty()) exx_.alpha = 1.0;  // "hf"
}

Functional::Functional(const Functional& other) : Functional(other.name_, other.ids_) {}

Functional& Functional::operator=(const Functional& other) {
  if (this != &other) *this = Functional(other);
  return *this;
}

Functional::~Functional() = default;

Functional Functional::from_name(const std::string& name) {
  const std::string key = lower(name);
  const auto& table = named_functionals();
  if (auto it = table.find(key); it != table.end()) return Functional(key, it->second);
  if (key.empty()) throw Error("empty functional name; " + valid_names_message());
  std::vector<int> ids;
  std::stringstream parts(key);
  std::string part;
  while (std::getline(parts, part, '+')) {
    const int id = part.empty() ? -1 : xc_functional_get_number(part.c_str());
    if (id <= 0) throw Error("unknown functional '" + name + "'; " + valid_names_message());
    ids.push_back(id);
  }
  return Functional(key, ids);
}

std::vector<std::string> Functional::known_names() {
  // Listed in a fixed, readable order rather than the map's alphabetical one.
  return {"svwn", "pbe", "blyp", "b3lyp", "pbe0", "hf"};
}

std::vector<int> Functional::libxc_ids() const { return ids_; }

void Functional::evaluate_unpolarized(int np, const double* rho, const double* sigma, double* exc,
                                      double* vrho, double* vsigma) const {
  std::fill(exc, exc + np, 0.0);
  std::fill(vrho, vrho + np, 0.0);
  if (gga_) std::fill(vsigma, vsigma + np, 0.0);
  auto& e = scratch(0, np);
  auto& vr = scratch(1, np);
  auto& vs = scratch(2, np);
  for (const auto& f : unpolarized_) {
    if (f.needs_gradient()) {
      xc_gga_exc_vxc(f.get(), np, rho, sigma, e.data(), vr.data(), vs.data());
      for (int i = 0; i < np; ++i) vsigma[i] += vs[i];
    } else {
      xc_lda_exc_vxc(f.get(), np, rho, e.data(), vr.data());
    }
    for (int i = 0; i < np; ++i) {
      exc[i] += e[i];
      vrho[i] += vr[i];
    }
  }
}

void Functional::evaluate_polarized(int np, const double* rho, const double* sigma, double* exc,
                                    double* vrho, double* vsigma) const {
  std::fill(exc, exc + np, 0.0);
  std::fill(vrho, vrho + 2 * np, 0.0);
  if (gga_) std::fill(vsigma, vsigma + 3 * np, 0.0);
  auto& e = scratch(0, np);
  auto& vr = scratch(1, 2 * np);
  auto& vs = scratch(2, 3 * np);
  for (const auto& f : polarized_) {
    if (f.needs_gradient()) {
      xc_gga_exc_vxc(f.get(), np, rho, sigma, e.data(), vr.data(), vs.data());
      for (int i = 0; i < 3 * np; ++i) vsigma[i] += vs[i];
    } else {
      xc_lda_exc_vxc(f.get(), np, rho, e.data(), vr.data());
    }
    for (int i = 0; i < np; ++i) exc[i] += e[i];
    for (int i = 0; i < 2 * np; ++i) vrho[i] += vr[i];
  }
}

}  // namespace hamlet::xc
