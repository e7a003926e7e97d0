#pragma once
// Exchange-correlation functionals from libxc (5.x), by name.
//
// Named functionals, chosen to be exactly what Psi4 means by the same names:
//   svwn  = LDA_X + LDA_C_VWN_RPA   (Psi4's SVWN: Vosko-Wilk-Nusair fitted to RPA correlation
//                                    energies, the VWN inside B3LYP; not libxc's LDA_C_VWN = VWN5)
//   pbe   = GGA_X_PBE + GGA_C_PBE
//   blyp  = GGA_X_B88 + GGA_C_LYP
//   b3lyp = HYB_GGA_XC_B3LYP        (20% exact exchange, VWN_RPA inside: Psi4/Gaussian B3LYP)
//   pbe0  = HYB_GGA_XC_PBEH         (25% exact exchange)
//   hf    = no density functional; 100% exact exchange (lets the SCF treat HF uniformly)
// Any '+'-separated list of libxc names (e.g. "lda_x+lda_c_pw") is accepted too.
#include <memory>
#include <string>
#include <vector>

struct xc_func_type;

namespace hamlet::xc {

// RAII owner of one initialised libxc functional.
class LibxcFunctional {
 public:
  LibxcFunctional(int libxc_id, bool spin_polarized);
  ~LibxcFunctional();
  LibxcFunctional(LibxcFunctional&&) noexcept;
  LibxcFunctional& operator=(LibxcFunctional&&) noexcept;
  LibxcFunctional(const LibxcFunctional&) = delete;
  LibxcFunctional& operator=(const LibxcFunctional&) = delete;

  const xc_func_type* get() const { return func_.get(); }
  int id() const { return id_; }
  std::string name() const;  // libxc's descriptive name
  bool needs_gradient() const;
  bool is_meta() const;

 private:
  struct Deleter {
    void operator()(xc_func_type* f) const;
  };
  std::unique_ptr<xc_func_type, Deleter> func_;
  int id_ = 0;
};

// Exact (HF) exchange in libxc's convention: the exchange kernel is
// [alpha + beta * erfc(omega r)] / r, i.e. fraction alpha + beta at short range and alpha at
// long range (omega = 0 or beta = 0: an ordinary global hybrid with fraction alpha).
struct ExactExchange {
  double alpha = 0.0;
  double beta = 0.0;
  double omega = 0.0;
  bool range_separated() const { return omega != 0.0 && beta != 0.0; }
};

class Functional {
 public:
  // Throws hamlet::Error listing the valid names when `name` is unknown.
  static Functional from_name(const std::string& name);
  static std::vector<std::string> known_names();

  Functional(const Functional& other);
  Functional& operator=(const Functional& other);
  Functional(Functional&&) noexcept = default;
  Functional& operator=(Functional&&) noexcept = default;
  ~Functional();

  const std::string& name() const { return name_; }
  bool has_density_functional() const { return !ids_.empty(); }
  bool needs_gradient() const { return gga_; }
  // Fraction of Hartree-Fock exchange the SCF must add (global part; see exact_exchange()).
  double exact_exchange_fraction() const { return exx_.alpha; }
  const ExactExchange& exact_exchange() const { return exx_; }
  std::vector<int> libxc_ids() const;

  // Closed shell: rho and sigma = |grad rho|^2 of the total density, np points. Outputs
  // (overwritten): exc = energy per particle, vrho = d(rho exc)/d rho,
  // vsigma = d(rho exc)/d sigma (vsigma ignored/untouched for LDA; may be null then).
  void evaluate_unpolarized(int np, const double* rho, const double* sigma, double* exc,
                            double* vrho, double* vsigma) const;
  // Open shell, libxc layout: rho[2*np] = (a, b) pairs; sigma[3*np] = (aa, ab, bb);
  // vrho[2*np]; vsigma[3*np]; exc per particle of the total density.
  void evaluate_polarized(int np, const double* rho, const double* sigma, double* exc,
                          double* vrho, double* vsigma) const;

 private:
  Functional(std::string name, std::vector<int> ids);

  std::string name_;
  std::vector<int> ids_;
  std::vector<LibxcFunctional> unpolarized_, polarized_;
  bool gga_ = false;
  ExactExchange exx_;
};

}  // namespace hamlet::xc
