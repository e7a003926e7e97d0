# Psi4 1.3.2 script that produced tests/support/psi4_open_shell_reference.hpp.
# Run: PYTHONPATH=/usr/lib/x86_64-linux-gnu /usr/bin/python3 make_open_shell_reference.py
import psi4, json
psi4.set_memory('2 GB'); psi4.set_num_threads(1)
psi4.core.set_output_file('uhf.out', False)
out={}
geoms={
 "oh_radical": ("0 2", "O 0.000000 0.000000 0.000000\nH 0.000000 0.000000 0.970000"),
 "ch2_triplet": ("0 3", "C 0.000000 0.000000 0.000000\nH 0.000000 0.990000 0.610000\nH 0.000000 -0.990000 0.610000"),
}
for name,(cm,xyz) in geoms.items():
    mol=psi4.geometry(f"{cm}\n{xyz}\nunits angstrom\nsymmetry c1\nno_reorient\nno_com\n")
    for method in ["hf","b3lyp"]:
        psi4.set_options({"basis":"def2-svp","reference":"uhf" if method=="hf" else "uks","scf_type":"pk",
            "e_convergence":1e-10,"d_convergence":1e-9,"puream":True,
            "dft_radial_points":99,"dft_spherical_points":590,
            })
        e,wfn=psi4.energy(method,return_wfn=True,molecule=mol)
        ea=wfn.epsilon_a().to_array().tolist(); eb=wfn.epsilon_b().to_array().tolist()
        dip=[psi4.variable("SCF DIPOLE X"),psi4.variable("SCF DIPOLE Y"),psi4.variable("SCF DIPOLE Z")]
        out[f"{name}/{method}"]={"energy":e,"eps_a":ea,"eps_b":eb,"dipole_raw":dip}
        psi4.core.clean()
json.dump(out,open('uhf.json','w'),indent=1)
