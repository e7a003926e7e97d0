#pragma once
// Real spherical harmonics, Wigner-D matrices and edge frames as differentiable torch ops.
//
// The harmonics are libint2's standard real solid harmonics (so3.hpp, ARCHITECTURE.md "AO
// convention"), m = -l..l, p = (y, z, x), times a positive factor per l set by ShNorm. Input
// vectors are Cartesian (x, y, z); the output layout is Irreps::spherical_harmonics(lmax).
#include <ATen/core/Tensor.h>

#include <vector>

#include "equivariant/irreps.hpp"

namespace hamlet::equivariant {

enum class ShNorm {
  kComponent,  // sum_m Y_lm(u)^2 = 2l+1 on unit vectors u (e3nn default)
  kIntegral,   // integral over the sphere of Y_lm^2 = 1, i.e. sum_m Y_lm^2 = (2l+1)/(4 pi)
  kNorm,       // sum_m Y_lm^2 = 1 (Racah normalisation)
};

// Positive factor per l relative to Racah's normalisation.
double sh_normalization_factor(int l, ShNorm norm);

// vectors [..., 3] -> [..., (lmax+1)^2]. normalize = true evaluates on directions v/|v|
// (spherical harmonics); false evaluates the polynomials r^l Y_lm (solid harmonics).
at::Tensor spherical_harmonics(int lmax, const at::Tensor& vectors, bool normalize = true,
                               ShNorm norm = ShNorm::kComponent);

// Real Wigner-D matrices for rotation matrices R [..., 3, 3]: result[l] is [..., 2l+1, 2l+1] with
// Y_l(R r) = D^l(R) Y_l(r) for the harmonics above (any ShNorm). Differentiable in R.
std::vector<at::Tensor> wigner_D(int lmax, const at::Tensor& rotations);

// Representation of the O(3) element "rotation R, then inversion if `inversion`" on features
// with these irreps: block diagonal [..., dim, dim]; the inversion multiplies irreps of parity
// p by p. Feature vectors transform as x -> D x.
at::Tensor irreps_D(const Irreps& irreps, const at::Tensor& rotations, bool inversion = false);

// Rotation matrices [..., 3, 3] taking each direction v/|v| to +z (edge frames for SO(2)
// convolutions): R = R_y(-beta) R_z(-alpha) with alpha, beta the azimuth and polar angle of v
// (alpha = 0 on the z axis). SO(2)-equivariant operations in the frame do not depend on the
// roll about z, so the arbitrary choice at the poles does not matter.
at::Tensor edge_frame_rotation(const at::Tensor& vectors);

// Same as wigner_D(lmax, edge_frame_rotation(vectors)), computed from the two angles: D^l =
// J_l Dz(-beta) J_l^T Dz(-alpha) with the constant J_l = D^l(rotation taking z to y) and the
// sparse z-rotations Dz; only elementwise ops and one GEMM per l. Differentiable in vectors.
std::vector<at::Tensor> edge_frame_wigner_D(int lmax, const at::Tensor& vectors);

}  // namespace hamlet::equivariant
