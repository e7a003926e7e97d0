#include "xc/xc_integrator.hpp"

#include <omp.h>

#include <numeric>

#include "core/error.hpp"
#include "xc/basis_on_grid.hpp"

namespace hamlet::xc {
namespace {

// Per-thread scratch reused across batches (Eigen resizes are no-ops once large enough).
struct Workspace {
  BasisValues chi;
  Eigen::MatrixXd Ta, Tb, Za, Zb, M;
  Eigen::ArrayXd rho, sigma, exc, vrho, vsigma;
  Eigen::ArrayXd gax, gay, gaz, gbx, gby, gbz;
};

void check_density(const Eigen::MatrixXd& D, int nbf, const char* what) {
  if (D.rows() != nbf || D.cols() != nbf)
    throw Error(std::string(what) + " is " + std::to_string(D.rows()) + "x" +
                std::to_string(D.cols()) + " but the basis has " + std::to_string(nbf) +
                " functions");
}

// rho_i = sum_mn chi_im D_mn chi_in = sum_n T_in chi_in with T = chi D; grad rho = 2 T . grad chi.
void density_on_batch(const BasisValues& chi, const Eigen::MatrixXd& D_local, bool gradients,
                      Eigen::MatrixXd& T, Eigen::ArrayXd& rho, Eigen::ArrayXd& gx,
                      Eigen::ArrayXd& gy, Eigen::ArrayXd& gz) {
  T.noalias() = chi.value * D_local;
  rho = (T.array() * chi.value.array()).rowwise().sum();
  if (!gradients) return;
  gx = 2.0 * (T.array() * chi.dx.array()).rowwise().sum();
  gy = 2.0 * (T.array() * chi.dy.array()).rowwise().sum();
  gz = 2.0 * (T.array() * chi.dz.array()).rowwise().sum();
}

}  // namespace

XcIntegrator::XcIntegrator(const Molecule& mol, const BasisSet& basis,
                           const grid::MolecularGrid& grid, const Functional& functional,
                           XcOptions options)
    : basis_(basis), grid_(grid), functional_(functional), options_(options) {
  if (!functional_.has_density_functional())
    throw Error("functional '" + functional_.name() +
                "' has no density-functional part; there is nothing to integrate on a grid");
  for (const Shell& s : basis_.shells) {
    if (s.atom < 0 || s.atom >= mol.natoms() ||
        (s.center - mol.atoms[s.atom].position).norm() > 1e-8)
      throw Error("basis set '" + basis_.name + "' does not sit on the atoms of " +
                  (mol.source.empty() ? std::string("the molecule") : mol.source));
  }
  std::vector<double> extent(basis_.shells.size());
  for (size_t s = 0; s < extent.size(); ++s)
    extent[s] = shell_extent(basis_.shells[s], options_.basis_tolerance);
  batch_basis_.resize(grid_.batches().size());
  for (size_t b = 0; b < batch_basis_.size(); ++b) {
    const grid::GridBatch& batch = grid_.batches()[b];
    BatchBasis& bb = batch_basis_[b];
    for (size_t s = 0; s < extent.size(); ++s) {
      const Shell& sh = basis_.shells[s];
      if ((sh.center - batch.center).norm() - batch.radius > extent[s]) continue;
      bb.shells.push_back(static_cast<int>(s));
      for (int k = 0; k < sh.size(); ++k) bb.aos.push_back(basis_.shell_offset[s] + k);
    }
  }
}

double XcIntegrator::mean_functions_per_batch() const {
  if (batch_basis_.empty()) return 0.0;
  double n = 0.0;
  for (const auto& bb : batch_basis_) n += bb.aos.size();
  return n / batch_basis_.size();
}

template <class Kernel>
void XcIntegrator::for_each_batch(bool gradients, Kernel&& kernel) const {
  const int nbatch = static_cast<int>(batch_basis_.size());
#pragma omp parallel
  {
    Workspace ws;
    const int thread = omp_get_thread_num();
#pragma omp for schedule(dynamic)
    for (int b = 0; b < nbatch; ++b) {
      const BatchBasis& bb = batch_basis_[b];
      if (bb.aos.empty()) continue;
      const grid::GridBatch& batch = grid_.batches()[b];
      evaluate_basis(basis_, bb.shells, grid_.points().middleRows(batch.begin, batch.size()),
                     gradients, ws.chi);
      kernel(thread, b, bb, grid_.weights().segment(batch.begin, batch.size()).array(), ws);
    }
  }
}

XcResult XcIntegrator::compute_restricted(const Eigen::MatrixXd& D) const {
  const int nbf = basis_.nbf;
  check_density(D, nbf, "density matrix");
  const bool gga = functional_.needs_gradient();
  const int nthreads = omp_get_max_threads();
  std::vector<Eigen::MatrixXd> Vt(nthreads, Eigen::MatrixXd::Zero(nbf, nbf));
  const int nbatch = static_cast<int>(batch_basis_.size());
  // Per-batch sums, added in batch order afterwards: energies independent of thread timing.
  std::vector<double> energy(nbatch, 0.0), electrons(nbatch, 0.0);

  for_each_batch(gga, [&](int thread, int b, const BatchBasis& bb, const auto& w, Workspace& ws) {
    const int np = static_cast<int>(w.size());
    const Eigen::MatrixXd D_local = D(bb.aos, bb.aos);
    density_on_batch(ws.chi, D_local, gga, ws.Ta, ws.rho, ws.gax, ws.gay, ws.gaz);
    ws.exc.resize(np);
    ws.vrho.resize(np);
    if (gga) {
      ws.sigma = ws.gax.square() + ws.gay.square() + ws.gaz.square();
      ws.vsigma.resize(np);
    }
    functional_.evaluate_unpolarized(np, ws.rho.data(), gga ? ws.sigma.data() : nullptr,
                                     ws.exc.data(), ws.vrho.data(), gga ? ws.vsigma.data() : nullptr);
    energy[b] = (w * ws.rho * ws.exc).sum();
    electrons[b] = (w * ws.rho).sum();
    // V = chi^T Z + Z^T chi with Z = chi * w vrho / 2 + 2 w vsigma grad(rho) . grad(chi).
    ws.Za = ws.chi.value.array().colwise() * (0.5 * w * ws.vrho);
    if (gga) {
      const Eigen::ArrayXd c = 2.0 * w * ws.vsigma;
      ws.Za.array() += ws.chi.dx.array().colwise() * (c * ws.gax) +
                       ws.chi.dy.array().colwise() * (c * ws.gay) +
                       ws.chi.dz.array().colwise() * (c * ws.gaz);
    }
    ws.M.noalias() = ws.chi.value.transpose() * ws.Za;
    Vt[thread](bb.aos, bb.aos) += ws.M;
  });

  XcResult result;
  Eigen::MatrixXd V = Eigen::MatrixXd::Zero(nbf, nbf);
  for (const auto& v : Vt) V += v;
  result.V = V + V.transpose();
  result.energy = std::accumulate(energy.begin(), energy.end(), 0.0);
  result.electrons = std::accumulate(electrons.begin(), electrons.end(), 0.0);
  return result;
}

XcUnrestrictedResult XcIntegrator::compute_unrestricted(const Eigen::MatrixXd& Da,
                                                        const Eigen::MatrixXd& Db) const {
  const int nbf = basis_.nbf;
  check_density(Da, nbf, "alpha density matrix");
  check_density(Db, nbf, "beta density matrix");
  const bool gga = functional_.needs_gradient();
  const int nthreads = omp_get_max_threads();
  std::vector<Eigen::MatrixXd> Vat(nthreads, Eigen::MatrixXd::Zero(nbf, nbf));
  std::vector<Eigen::MatrixXd> Vbt(nthreads, Eigen::MatrixXd::Zero(nbf, nbf));
  const int nbatch = static_cast<int>(batch_basis_.size());
  std::vector<double> energy(nbatch, 0.0), na(nbatch, 0.0), nb(nbatch, 0.0);

  for_each_batch(gga, [&](int thread, int b, const BatchBasis& bb, const auto& w, Workspace& ws) {
    const int np = static_cast<int>(w.size());
    Eigen::ArrayXd rho_a, rho_b;
    density_on_batch(ws.chi, Da(bb.aos, bb.aos), gga, ws.Ta, rho_a, ws.gax, ws.gay, ws.gaz);
    density_on_batch(ws.chi, Db(bb.aos, bb.aos), gga, ws.Tb, rho_b, ws.gbx, ws.gby, ws.gbz);
    // libxc's interleaved spin layout.
    ws.rho.resize(2 * np);
    for (int i = 0; i < np; ++i) {
      ws.rho[2 * i] = rho_a[i];
      ws.rho[2 * i + 1] = rho_b[i];
    }
    if (gga) {
      ws.sigma.resize(3 * np);
      for (int i = 0; i < np; ++i) {
        ws.sigma[3 * i] = ws.gax[i] * ws.gax[i] + ws.gay[i] * ws.gay[i] + ws.gaz[i] * ws.gaz[i];
        ws.sigma[3 * i + 1] = ws.gax[i] * ws.gbx[i] + ws.gay[i] * ws.gby[i] + ws.gaz[i] * ws.gbz[i];
        ws.sigma[3 * i + 2] = ws.gbx[i] * ws.gbx[i] + ws.gby[i] * ws.gby[i] + ws.gbz[i] * ws.gbz[i];
      }
      ws.vsigma.resize(3 * np);
    }
    ws.exc.resize(np);
    ws.vrho.resize(2 * np);
    functional_.evaluate_polarized(np, ws.rho.data(), gga ? ws.sigma.data() : nullptr,
                                   ws.exc.data(), ws.vrho.data(), gga ? ws.vsigma.data() : nullptr);
    energy[b] = (w * (rho_a + rho_b) * ws.exc).sum();
    na[b] = (w * rho_a).sum();
    nb[b] = (w * rho_b).sum();
    using Stride2 = Eigen::Map<const Eigen::ArrayXd, 0, Eigen::InnerStride<2>>;
    using Stride3 = Eigen::Map<const Eigen::ArrayXd, 0, Eigen::InnerStride<3>>;
    const Stride2 vrho_a(ws.vrho.data(), np), vrho_b(ws.vrho.data() + 1, np);
    ws.Za = ws.chi.value.array().colwise() * (0.5 * w * vrho_a);
    ws.Zb = ws.chi.value.array().colwise() * (0.5 * w * vrho_b);
    if (gga) {
      // dE/d(grad rho_a) = 2 vsigma_aa grad rho_a + vsigma_ab grad rho_b (and a <-> b).
      const Stride3 vaa(ws.vsigma.data(), np), vab(ws.vsigma.data() + 1, np),
          vbb(ws.vsigma.data() + 2, np);
      const Eigen::ArrayXd fax = w * (2.0 * vaa * ws.gax + vab * ws.gbx);
      const Eigen::ArrayXd fay = w * (2.0 * vaa * ws.gay + vab * ws.gby);
      const Eigen::ArrayXd faz = w * (2.0 * vaa * ws.gaz + vab * ws.gbz);
      const Eigen::ArrayXd fbx = w * (2.0 * vbb * ws.gbx + vab * ws.gax);
      const Eigen::ArrayXd fby = w * (2.0 * vbb * ws.gby + vab * ws.gay);
      const Eigen::ArrayXd fbz = w * (2.0 * vbb * ws.gbz + vab * ws.gaz);
      ws.Za.array() += ws.chi.dx.array().colwise() * fax + ws.chi.dy.array().colwise() * fay +
                       ws.chi.dz.array().colwise() * faz;
      ws.Zb.array() += ws.chi.dx.array().colwise() * fbx + ws.chi.dy.array().colwise() * fby +
                       ws.chi.dz.array().colwise() * fbz;
    }
    ws.M.noalias() = ws.chi.value.transpose() * ws.Za;
    Vat[thread](bb.aos, bb.aos) += ws.M;
    ws.M.noalias() = ws.chi.value.transpose() * ws.Zb;
    Vbt[thread](bb.aos, bb.aos) += ws.M;
  });

  XcUnrestrictedResult result;
  Eigen::MatrixXd Va = Eigen::MatrixXd::Zero(nbf, nbf), Vb = Eigen::MatrixXd::Zero(nbf, nbf);
  for (int t = 0; t < nthreads; ++t) {
    Va += Vat[t];
    Vb += Vbt[t];
  }
  result.Va = Va + Va.transpose();
  result.Vb = Vb + Vb.transpose();
  result.energy = std::accumulate(energy.begin(), energy.end(), 0.0);
  result.electrons_alpha = std::accumulate(na.begin(), na.end(), 0.0);
  result.electrons_beta = std::accumulate(nb.begin(), nb.end(), 0.0);
  return result;
}

Eigen::MatrixXd XcIntegrator::numerical_overlap() const {
  const int nbf = basis_.nbf;
  const int nthreads = omp_get_max_threads();
  std::vector<Eigen::MatrixXd> St(nthreads, Eigen::MatrixXd::Zero(nbf, nbf));
  for_each_batch(false, [&](int thread, int, const BatchBasis& bb, const auto& w, Workspace& ws) {
    ws.Za = ws.chi.value.array().colwise() * w;
    ws.M.noalias() = ws.chi.value.transpose() * ws.Za;
    St[thread](bb.aos, bb.aos) += ws.M;
  });
  Eigen::MatrixXd S = Eigen::MatrixXd::Zero(nbf, nbf);
  for (const auto& s : St) S += s;
  return S;
}

}  // namespace hamlet::xc
