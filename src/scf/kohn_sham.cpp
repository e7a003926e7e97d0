#include "scf/kohn_sham.hpp"

#include <omp.h>

#include "atom/sap.hpp"
#include "core/error.hpp"
#include "xc/basis_on_grid.hpp"
#include "xc/functional.hpp"
#include "xc/xc_integrator.hpp"

namespace hamlet::scf {
namespace {

class KohnShamXc final : public XcTerm {
 public:
  KohnShamXc(xc::Functional f, const Molecule& mol, const BasisSet& basis, const grid::MolecularGrid& grid,
             const xc::XcOptions& options)
      : alpha_(f.exact_exchange_fraction()), integrator_(mol, basis, grid, f, options) {}
  double exact_exchange_fraction() const override { return alpha_; }
  double compute(const std::vector<Eigen::MatrixXd>& D, std::vector<Eigen::MatrixXd>& V) override {
    if (D.size() == 1) {  // restricted: D is the per-spin density, the integrator takes the total
      auto r = integrator_.compute_restricted(2.0 * D[0]);
      V = {std::move(r.V)};
      return r.energy;
    }
    auto r = integrator_.compute_unrestricted(D[0], D[1]);
    V = {std::move(r.Va), std::move(r.Vb)};
    return r.energy;
  }

 private:
  double alpha_;
  xc::XcIntegrator integrator_;
};

}  // namespace

std::unique_ptr<XcTerm> make_xc_term(const std::string& name, const Molecule& mol, const BasisSet& basis,
                                     const grid::MolecularGrid& grid) {
  auto f = xc::Functional::from_name(name);
  if (!f.has_density_functional()) return nullptr;
  if (f.exact_exchange().range_separated())
    throw Error("functional '" + name + "' is range-separated; range-separated exchange is not supported yet");
  return std::make_unique<KohnShamXc>(std::move(f), mol, basis, grid, xc::XcOptions{});
}

Eigen::MatrixXd sap_potential_matrix(const Molecule& mol, const BasisSet& basis,
                                     const Eigen::MatrixXd& nuclear_attraction,
                                     const grid::MolecularGrid& grid) {
  std::vector<const atom::SapPotential*> sap;
  for (const auto& a : mol.atoms) sap.push_back(&atom::sap_potential(a.Z));
  std::vector<int> all_shells(basis.shells.size());
  for (size_t s = 0; s < all_shells.size(); ++s) all_shells[s] = static_cast<int>(s);
  std::vector<double> extent(basis.shells.size());
  for (size_t s = 0; s < extent.size(); ++s) extent[s] = xc::shell_extent(basis.shells[s], 1e-12);

  const int nthreads = omp_get_max_threads();
  std::vector<Eigen::MatrixXd> partial(nthreads, Eigen::MatrixXd::Zero(basis.nbf, basis.nbf));
  const auto& batches = grid.batches();
#pragma omp parallel
  {
    xc::BasisValues chi;
    Eigen::MatrixXd Z, local;
    auto& V = partial[omp_get_thread_num()];  // lower triangle
#pragma omp for schedule(static, 1)  // fixed batch-to-thread map: reproducible sums
    for (size_t b = 0; b < batches.size(); ++b) {
      const auto& batch = batches[b];
      std::vector<int> shells, aos;
      for (int s : all_shells)
        if ((basis.shells[s].center - batch.center).norm() <= extent[s] + batch.radius) {
          shells.push_back(s);
          for (int k = 0; k < basis.shells[s].size(); ++k) aos.push_back(basis.shell_offset[s] + k);
        }
      if (shells.empty()) continue;
      auto pts = grid.points().middleRows(batch.begin, batch.size());
      xc::evaluate_basis(basis, shells, pts, false, chi);
      Eigen::VectorXd wv(batch.size());
      for (int i = 0; i < batch.size(); ++i) {
        const Eigen::Vector3d r = pts.row(i).transpose();
        double v = 0.0;  // sum_A (Z_A - Z_eff,A)/r_A: finite everywhere
        for (int a = 0; a < mol.natoms(); ++a) {
          const double d = (r - mol.atoms[a].position).norm();
          v += d > 0 ? (mol.atoms[a].Z - sap[a]->zeff(d)) / d : sap[a]->screening_at_nucleus();
        }
        wv(i) = grid.weights()(batch.begin + i) * v;
      }
      // Symmetric: only the lower triangle of chi^T diag(wv) chi is formed (half the flops).
      Z = chi.value.array().colwise() * wv.array();
      local.resize(aos.size(), aos.size());
      local.triangularView<Eigen::Lower>() = chi.value.transpose() * Z;
      for (size_t j = 0; j < aos.size(); ++j)
        for (size_t i = j; i < aos.size(); ++i) V(aos[i], aos[j]) += local(i, j);  // aos ascend
    }
  }
  Eigen::MatrixXd lower = Eigen::MatrixXd::Zero(basis.nbf, basis.nbf);
  for (const auto& p : partial) lower += p;
  Eigen::MatrixXd V = nuclear_attraction;
  V += lower.selfadjointView<Eigen::Lower>();
  return 0.5 * (V + V.transpose());
}

}  // namespace hamlet::scf
