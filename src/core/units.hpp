#pragma once
// Atomic units inside hamlet (Bohr, Hartree). Conversions are applied only at the edges.
// CODATA 2018 values (NIST SP 961, 2019).
namespace hamlet::units {

inline constexpr double kBohrInAngstrom = 0.529177210903;
inline constexpr double kAngstromToBohr = 1.0 / kBohrInAngstrom;
inline constexpr double kHartreeInEv = 27.211386245988;
// Debye = 1e-21 C m^2/s / c; 1 e*a0 = 2.541746473 D (CODATA 2018 derived).
inline constexpr double kAuDipoleInDebye = 2.541746473;

}  // namespace hamlet::units
