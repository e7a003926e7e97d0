#include "xc/xc_integrator.hpp"

#include <omp.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <numeric>

#include "core/blas.hpp"
#include "core/error.hpp"
#include "xc/basis_on_grid.hpp"

namespace hamlet::xc {

// The basis functions kept on one batch (columns of the evaluated values) and the weights.
struct XcIntegrator::BatchView {
  const std::vector<int>& aos;
  Eigen::Ref<const Eigen::MatrixXd> X, Xx, Xy, Xz;  // Xx..Xz alias X without gradients
  Eigen::Ref<const Eigen::ArrayXd> w;
};

namespace {

// Per-thread scratch reused across batches (Eigen resizes are no-ops once large enough).
struct Workspace {
  BasisValues chi;
  Eigen::MatrixXd Ta, Tb, Za, Zb, M, U, phi;
  Eigen::ArrayXd rho, rho_a, rho_b, sigma, exc, vrho, vsigma;
  Eigen::ArrayXd gax, gay, gaz, gbx, gby, gbz;
};

void check_density(const Eigen::MatrixXd& D, int nbf, const char* what) {
  if (D.rows() != nbf || D.cols() != nbf)
    throw Error(std::string(what) + " is " + std::to_string(D.rows()) + "x" +
                std::to_string(D.cols()) + " but the basis has " + std::to_string(nbf) +
                " functions");
}

// Columns of c that pass the significance test (see XcOptions::significance_tolerance).
std::vector<int> significant_columns(const BasisValues& c, const Eigen::ArrayXd& w, bool gradients,
                                     double tolerance, Eigen::ArrayXd& norms) {
  const int nf = static_cast<int>(c.value.cols());
  std::vector<int> kept;
  if (tolerance <= 0.0) {
    kept.resize(nf);
    std::iota(kept.begin(), kept.end(), 0);
    return kept;
  }
  // Gradients count too: near a nucleus a p function's value vanishes like r while its
  // gradient does not, and dropping it there would change |grad rho| at O(1).
  const Eigen::Index np = w.size();
  norms.resize(nf);
  for (int j = 0; j < nf; ++j) {  // one fused pass per column
    const double* v = c.value.col(j).data();
    double s = 0.0;
    if (gradients) {
      const double *gx = c.dx.col(j).data(), *gy = c.dy.col(j).data(), *gz = c.dz.col(j).data();
      for (Eigen::Index i = 0; i < np; ++i)
        s += std::abs(w[i]) * (v[i] * v[i] + gx[i] * gx[i] + gy[i] * gy[i] + gz[i] * gz[i]);
    } else {
      for (Eigen::Index i = 0; i < np; ++i) s += std::abs(w[i]) * v[i] * v[i];
    }
    norms[j] = std::sqrt(s);
  }
  const double threshold = tolerance / std::max(norms.maxCoeff(), 1e-300);
  for (int j = 0; j < nf; ++j)
    if (norms[j] >= threshold) kept.push_back(j);
  return kept;
}

// Moves the listed columns of c (ascending) to the front, in order.
void compact_columns(const std::vector<int>& columns, bool gradients, BasisValues& c) {
  for (size_t k = 0; k < columns.size(); ++k) {
    const int j = columns[k];
    if (static_cast<int>(k) == j) continue;  // k < j: moving left never overwrites a pending column
    c.value.col(k) = c.value.col(j);
    if (gradients) {
      c.dx.col(k) = c.dx.col(j);
      c.dy.col(k) = c.dy.col(j);
      c.dz.col(k) = c.dz.col(j);
    }
  }
}

// A density matrix as given, or as D = U diag(lambda) U^T when its rank is low (SCF densities
// have rank = number of occupied orbitals): then chi D costs 2 np nlocal rank instead of
// np nlocal^2 flops per batch.
struct Density {
  const Eigen::MatrixXd& D;
  Eigen::MatrixXd U;
  Eigen::VectorXd lambda;
  bool factored = false;

  explicit Density(const Eigen::MatrixXd& d) : D(d) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(0.5 * (d + d.transpose()));
    const Eigen::VectorXd& ev = eig.eigenvalues();
    const double cut = 1e-14 * std::max(ev.cwiseAbs().maxCoeff(), 1e-300);
    std::vector<int> keep;
    for (int k = 0; k < ev.size(); ++k)
      if (std::abs(ev[k]) > cut) keep.push_back(k);
    factored = 3 * static_cast<int>(keep.size()) < d.rows();  // pays off for rank < nbf / 3
    if (!factored) return;
    U = eig.eigenvectors()(Eigen::all, keep);
    lambda = ev(keep);
  }
};

// rho_i = sum_mn chi_im D_mn chi_in = sum_n T_in chi_in with T = chi D; grad rho = 2 T . grad chi.
// U and phi are scratch (reused across batches); the sums run column by column (contiguous).
template <class View>
void density_on_batch(const View& v, const Density& density, bool gradients, Eigen::MatrixXd& T,
                      Eigen::MatrixXd& U, Eigen::MatrixXd& phi, Eigen::ArrayXd& rho, Eigen::ArrayXd& gx,
                      Eigen::ArrayXd& gy, Eigen::ArrayXd& gz) {
  const Eigen::Index np = v.X.rows(), n = v.X.cols();
  T.resize(np, n);
  if (density.factored) {
    U = density.U(v.aos, Eigen::all);
    phi.resize(np, U.cols());
    blas::gemm(1.0, v.X, false, U, false, 0.0, phi);
    phi *= density.lambda.asDiagonal();
    blas::gemm(1.0, phi, false, U, true, 0.0, T);
  } else {
    U = density.D(v.aos, v.aos);
    blas::gemm(1.0, v.X, false, U, false, 0.0, T);
  }
  rho.setZero(np);
  for (Eigen::Index j = 0; j < n; ++j) rho += T.col(j).array() * v.X.col(j).array();
  if (!gradients) return;
  gx.setZero(np);
  gy.setZero(np);
  gz.setZero(np);
  for (Eigen::Index j = 0; j < n; ++j) {
    gx += T.col(j).array() * v.Xx.col(j).array();
    gy += T.col(j).array() * v.Xy.col(j).array();
    gz += T.col(j).array() * v.Xz.col(j).array();
  }
  gx *= 2.0;
  gy *= 2.0;
  gz *= 2.0;
}

// Z = chi * (w vrho / 2) + (f . grad chi), with f = w dE/d(grad rho) per point, so that
// chi^T Z + Z^T chi is the potential matrix contribution of the batch.
template <class View>
void potential_factor(const View& v, const Eigen::ArrayXd& half_w_vrho, const Eigen::ArrayXd* fx,
                      const Eigen::ArrayXd* fy, const Eigen::ArrayXd* fz, Eigen::MatrixXd& Z) {
  Z = v.X.array().colwise() * half_w_vrho;
  if (fx)
    Z.array() += v.Xx.array().colwise() * *fx + v.Xy.array().colwise() * *fy +
                 v.Xz.array().colwise() * *fz;
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
  const int nbatch = static_cast<int>(grid_.batches().size());
  batch_basis_.resize(nbatch);
  batch_ready_ = std::make_unique<std::once_flag[]>(nbatch);
  for (int b = 0; b < nbatch; ++b) {
    const grid::GridBatch& batch = grid_.batches()[b];
    for (size_t s = 0; s < extent.size(); ++s)
      if ((basis_.shells[s].center - batch.center).norm() - batch.radius <= extent[s])
        batch_basis_[b].reaching.push_back(static_cast<int>(s));
  }
}

void XcIntegrator::select_functions(int b, BasisValues& chi) const {
  const bool gradients = functional_.needs_gradient();
  const grid::GridBatch& batch = grid_.batches()[b];
  BatchBasis& bb = batch_basis_[b];
  evaluate_basis(basis_, bb.reaching, grid_.points().middleRows(batch.begin, batch.size()), gradients, chi);
  const Eigen::ArrayXd w = grid_.weights().segment(batch.begin, batch.size()).array();
  Eigen::ArrayXd norms;
  const std::vector<int> kept = significant_columns(chi, w, gradients, options_.significance_tolerance, norms);
  compact_columns(kept, gradients, chi);
  // Keep the shells with a significant function; renumber the kept columns within them.
  size_t next = 0;
  int column = 0, evaluated = 0;
  for (int s : bb.reaching) {
    const int size = basis_.shells[s].size();
    const size_t first = next;
    while (next < kept.size() && kept[next] < column + size) ++next;
    if (next > first) {
      bb.shells.push_back(s);
      for (size_t k = first; k < next; ++k) {
        bb.columns.push_back(evaluated + kept[k] - column);
        bb.aos.push_back(basis_.shell_offset[s] + kept[k] - column);
      }
      evaluated += size;
    }
    column += size;
  }
  if (static_cast<int>(bb.columns.size()) == evaluated) bb.columns.clear();  // all of them
}

double XcIntegrator::mean_functions_per_batch() const {
  if (batch_basis_.empty()) return 0.0;
  for_each_batch(false, [](int, int, const BatchView&, Workspace&) {});  // lists, if not yet made
  double kept = 0.0;
  for (const BatchBasis& bb : batch_basis_) kept += static_cast<double>(bb.aos.size());
  return kept / static_cast<double>(batch_basis_.size());
}

template <class Kernel>
void XcIntegrator::for_each_batch(bool gradients, Kernel&& kernel) const {
  const int nbatch = static_cast<int>(batch_basis_.size());
  // Passes want the functional's gradients or none; the first pass (the significance test)
  // always evaluates the functional's, a superset.
  if (gradients && !functional_.needs_gradient())
    throw Error("XC: gradients requested for a functional without them");
#pragma omp parallel
  {
    Workspace ws;
    const int thread = omp_get_thread_num();
#pragma omp for schedule(static, 1)  // fixed batch-to-thread map: reproducible sums
    for (int b = 0; b < nbatch; ++b) {
      const BatchBasis& bb = batch_basis_[b];
      if (bb.reaching.empty()) continue;
      bool evaluated = false;
      std::call_once(batch_ready_[b], [&] {
        select_functions(b, ws.chi);
        evaluated = true;
      });
      if (bb.aos.empty()) continue;
      const int n = static_cast<int>(bb.aos.size());
      const grid::GridBatch& batch = grid_.batches()[b];
      if (!evaluated) {
        // Each column depends only on its shell and the points: the same values as the first
        // pass evaluated among all reaching shells.
        evaluate_basis(basis_, bb.shells, grid_.points().middleRows(batch.begin, batch.size()),
                       gradients, ws.chi);
        if (!bb.columns.empty()) compact_columns(bb.columns, gradients, ws.chi);
      }
      const Eigen::ArrayXd w = grid_.weights().segment(batch.begin, batch.size()).array();
      const BasisValues& chi = ws.chi;
      const auto X = chi.value.leftCols(n);
      const BatchView view{bb.aos, X, gradients ? chi.dx.leftCols(n) : X,
                           gradients ? chi.dy.leftCols(n) : X, gradients ? chi.dz.leftCols(n) : X, w};
      kernel(thread, b, view, ws);
    }
  }
}

XcResult XcIntegrator::compute_restricted(const Eigen::MatrixXd& D) const {
  const int nbf = basis_.nbf;
  check_density(D, nbf, "density matrix");
  const bool gga = functional_.needs_gradient();
  const Density density(D);
  std::vector<Eigen::MatrixXd> Vt(omp_get_max_threads(), Eigen::MatrixXd::Zero(nbf, nbf));
  // Per-batch sums, added in batch order afterwards: energies independent of thread timing.
  std::vector<double> energy(batch_basis_.size(), 0.0), electrons(batch_basis_.size(), 0.0);

  for_each_batch(gga, [&](int thread, int b, const BatchView& v, Workspace& ws) {
    const int np = static_cast<int>(v.w.size());
    density_on_batch(v, density, gga, ws.Ta, ws.U, ws.phi, ws.rho, ws.gax, ws.gay, ws.gaz);
    ws.exc.resize(np);
    ws.vrho.resize(np);
    if (gga) {
      ws.sigma = ws.gax.square() + ws.gay.square() + ws.gaz.square();
      ws.vsigma.resize(np);
    }
    functional_.evaluate_unpolarized(np, ws.rho.data(), gga ? ws.sigma.data() : nullptr,
                                     ws.exc.data(), ws.vrho.data(), gga ? ws.vsigma.data() : nullptr);
    energy[b] = (v.w * ws.rho * ws.exc).sum();
    electrons[b] = (v.w * ws.rho).sum();
    if (gga) {
      // dE/d(grad rho) = 2 vsigma grad rho
      const Eigen::ArrayXd c = 2.0 * v.w * ws.vsigma;
      ws.gax *= c;
      ws.gay *= c;
      ws.gaz *= c;
    }
    potential_factor(v, 0.5 * v.w * ws.vrho, gga ? &ws.gax : nullptr, &ws.gay, &ws.gaz, ws.Za);
    ws.M.resize(v.X.cols(), v.X.cols());
    blas::gemm(1.0, v.X, true, ws.Za, false, 0.0, ws.M);
    Vt[thread](v.aos, v.aos) += ws.M;
  });

  XcResult result;
  Eigen::MatrixXd V = Eigen::MatrixXd::Zero(nbf, nbf);
  for (const auto& part : Vt) V += part;
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
  const Density density_a(Da), density_b(Db);
  const int nthreads = omp_get_max_threads();
  std::vector<Eigen::MatrixXd> Vat(nthreads, Eigen::MatrixXd::Zero(nbf, nbf));
  std::vector<Eigen::MatrixXd> Vbt(nthreads, Eigen::MatrixXd::Zero(nbf, nbf));
  const size_t nbatch = batch_basis_.size();
  std::vector<double> energy(nbatch, 0.0), na(nbatch, 0.0), nb(nbatch, 0.0);

  for_each_batch(gga, [&](int thread, int b, const BatchView& v, Workspace& ws) {
    const int np = static_cast<int>(v.w.size());
    density_on_batch(v, density_a, gga, ws.Ta, ws.U, ws.phi, ws.rho_a, ws.gax, ws.gay, ws.gaz);
    density_on_batch(v, density_b, gga, ws.Tb, ws.U, ws.phi, ws.rho_b, ws.gbx, ws.gby, ws.gbz);
    // libxc's interleaved spin layout: rho (a, b), sigma (aa, ab, bb).
    ws.rho.resize(2 * np);
    for (int i = 0; i < np; ++i) {
      ws.rho[2 * i] = ws.rho_a[i];
      ws.rho[2 * i + 1] = ws.rho_b[i];
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
    energy[b] = (v.w * (ws.rho_a + ws.rho_b) * ws.exc).sum();
    na[b] = (v.w * ws.rho_a).sum();
    nb[b] = (v.w * ws.rho_b).sum();
    using Stride2 = Eigen::Map<const Eigen::ArrayXd, 0, Eigen::InnerStride<2>>;
    using Stride3 = Eigen::Map<const Eigen::ArrayXd, 0, Eigen::InnerStride<3>>;
    const Stride2 vrho_a(ws.vrho.data(), np), vrho_b(ws.vrho.data() + 1, np);
    Eigen::ArrayXd fax, fay, faz, fbx, fby, fbz;
    if (gga) {
      // dE/d(grad rho_a) = 2 vsigma_aa grad rho_a + vsigma_ab grad rho_b (and a <-> b).
      const Stride3 vaa(ws.vsigma.data(), np), vab(ws.vsigma.data() + 1, np),
          vbb(ws.vsigma.data() + 2, np);
      fax = v.w * (2.0 * vaa * ws.gax + vab * ws.gbx);
      fay = v.w * (2.0 * vaa * ws.gay + vab * ws.gby);
      faz = v.w * (2.0 * vaa * ws.gaz + vab * ws.gbz);
      fbx = v.w * (2.0 * vbb * ws.gbx + vab * ws.gax);
      fby = v.w * (2.0 * vbb * ws.gby + vab * ws.gay);
      fbz = v.w * (2.0 * vbb * ws.gbz + vab * ws.gaz);
    }
    potential_factor(v, 0.5 * v.w * vrho_a, gga ? &fax : nullptr, &fay, &faz, ws.Za);
    potential_factor(v, 0.5 * v.w * vrho_b, gga ? &fbx : nullptr, &fby, &fbz, ws.Zb);
    ws.M.resize(v.X.cols(), v.X.cols());
    blas::gemm(1.0, v.X, true, ws.Za, false, 0.0, ws.M);
    Vat[thread](v.aos, v.aos) += ws.M;
    blas::gemm(1.0, v.X, true, ws.Zb, false, 0.0, ws.M);
    Vbt[thread](v.aos, v.aos) += ws.M;
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
  std::vector<Eigen::MatrixXd> St(omp_get_max_threads(), Eigen::MatrixXd::Zero(nbf, nbf));
  for_each_batch(false, [&](int thread, int, const BatchView& v, Workspace& ws) {
    ws.Za = v.X.array().colwise() * v.w;
    ws.M.resize(v.X.cols(), v.X.cols());
    blas::gemm(1.0, v.X, true, ws.Za, false, 0.0, ws.M);
    St[thread](v.aos, v.aos) += ws.M;
  });
  Eigen::MatrixXd S = Eigen::MatrixXd::Zero(nbf, nbf);
  for (const auto& part : St) S += part;
  return S;
}

}  // namespace hamlet::xc
