#!/usr/bin/env python3
"""Wall-time of `hamlet scf` against Psi4 on the same molecules, method, basis and threads.

Usage: bench/scf_vs_psi4.py [--threads 2] [--method b3lyp] [--basis def2-svp] [--no-df]
                            [--e-conv 1e-8] [--d-conv 1e-6] [--max-norm] [--repeat 1]
                            [--hamlet build/bin/hamlet] MOLECULE.xyz ...
Psi4 (Debian package psi4) is run only when installed; default grids on both sides
(hamlet level 2; Psi4 75 x 302) and the same convergence tests (Psi4's e_convergence /
d_convergence; hamlet's --e-conv / --d-conv with --d-conv-rms, the same RMS |[F,P]| test as
Psi4's; --max-norm runs hamlet with its default test on the largest element instead, stricter). hamlet and Psi4 run interleaved, so a shared machine's load hits
both alike; --repeat N runs each pair N times. Prints one row per run with both energies, the
ratio t_hamlet / t_psi4 and the 1-minute load average before the run (wall times).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

PSI4_SCRIPT = r'''
import sys, json, time, psi4
xyz, method, basis, df, threads, out = sys.argv[1:7]
lines = open(xyz).read().splitlines()
n = int(lines[0]); body = "\n".join(lines[2:2 + n])
psi4.set_memory("8 GB"); psi4.set_num_threads(int(threads))
psi4.core.set_output_file(out + ".log", False)
mol = psi4.geometry(body + "\nunits angstrom\nsymmetry c1\nno_reorient\nno_com\n")
psi4.set_options({"basis": basis, "scf_type": "df" if df == "1" else "pk", "puream": True,
                  "e_convergence": float(sys.argv[7]), "d_convergence": float(sys.argv[8])})
t0 = time.time()
e = psi4.energy(method, molecule=mol)
json.dump({"energy": e, "seconds": time.time() - t0}, open(out, "w"))
'''

def run_hamlet(exe, xyz, args, tmp):
    out = os.path.join(tmp, "h.json")
    cmd = [exe, "scf", xyz, "--basis", args.basis, "--method", args.method, "--threads", str(args.threads),
           "--json", out, "--quiet", "--e-conv", str(args.e_conv), "--d-conv", str(args.d_conv)] + \
          ([] if args.no_df else ["--df"]) + ([] if args.max_norm else ["--d-conv-rms"])
    t0 = time.time()
    subprocess.run(cmd, check=True)
    wall = time.time() - t0
    j = json.load(open(out))
    return j["energy"], wall, j["iterations"], j["nbf"]

def run_psi4(xyz, args, tmp):
    script = os.path.join(tmp, "p.py"); out = os.path.join(tmp, "p.json")
    open(script, "w").write(PSI4_SCRIPT)
    env = dict(os.environ, PYTHONPATH="/usr/lib/x86_64-linux-gnu")
    t0 = time.time()
    subprocess.run(["/usr/bin/python3", script, xyz, args.method, args.basis, "0" if args.no_df else "1",
                    str(args.threads), out, str(args.e_conv), str(args.d_conv)], check=True, env=env, cwd=tmp)
    wall = time.time() - t0
    return json.load(open(out))["energy"], wall

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("molecules", nargs="+")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--method", default="b3lyp")
    ap.add_argument("--basis", default="def2-svp")
    ap.add_argument("--no-df", action="store_true")
    ap.add_argument("--e-conv", type=float, default=1e-8)
    ap.add_argument("--d-conv", type=float, default=1e-6)
    ap.add_argument("--max-norm", action="store_true", help="hamlet's commutator test on the largest element")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--hamlet", default=os.path.join(os.path.dirname(__file__), "..", "build", "bin", "hamlet"))
    args = ap.parse_args()
    have_psi4 = shutil.which("psi4") is not None
    print(f"# {args.method}/{args.basis} {'DF' if not args.no_df else 'exact'}, {args.threads} threads; "
          f"psi4 {'found' if have_psi4 else 'not installed: hamlet only'}")
    print(f"# e_conv {args.e_conv:g}, d_conv {args.d_conv:g} ({'largest element' if args.max_norm else 'RMS'} of [F,P] for hamlet)")
    print(f"{'molecule':24s} {'load':>5s} {'nbf':>4s} {'it':>3s} {'E_hamlet':>18s} {'t_hamlet':>9s} {'E_psi4':>18s} "
          f"{'t_psi4':>8s} {'dE':>9s} {'ratio':>6s}")
    for _ in range(args.repeat):
        for xyz in args.molecules:
            with tempfile.TemporaryDirectory() as tmp:
                load = os.getloadavg()[0]
                eh, th, it, nbf = run_hamlet(os.path.abspath(args.hamlet), os.path.abspath(xyz), args, tmp)
                row = f"{os.path.basename(xyz):24s} {load:5.2f} {nbf:4d} {it:3d} {eh:18.10f} {th:9.2f}"
                if have_psi4:
                    ep, tp = run_psi4(os.path.abspath(xyz), args, tmp)
                    row += f" {ep:18.10f} {tp:8.2f} {eh - ep:9.1e} {th / tp:6.3f}"
                print(row, flush=True)

if __name__ == "__main__":
    sys.exit(main())
