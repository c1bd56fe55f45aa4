"""Time dezero against the same arithmetic written by hand in NumPy, in one run.

Every measurement runs in a fresh Python process with one BLAS thread; the implementations of
a case are interleaved (their order alternates between rounds) and the median of the rounds is
reported with the ratio dezero / hand-written NumPy (and / PyTorch where a case has it).

    python benchmarks/run.py                 # every case, 5 rounds
    python benchmarks/run.py chain branches  # only these cases
    python benchmarks/run.py --rounds 3
    python benchmarks/run.py --against ../old   # A/B: also time dezero from another checkout
"""
import argparse
import gc
import importlib
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SUITES = ['bench_core', 'bench_nn', 'bench_conv']  # modules under benchmarks/, each with CASES
THREAD_VARS = ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS',
               'VECLIB_MAXIMUM_THREADS', 'NUMEXPR_NUM_THREADS')


def load_cases():
    """Collect {case name: {impl name: callable, ...}} from the suite modules that exist."""
    # the suites are plain files beside this script: Python puts its folder first on the
    # import path when the script runs, so they import by name
    cases = {}
    for mod_name in SUITES:
        if not os.path.exists(os.path.join(HERE, mod_name + '.py')):
            continue
        mod = importlib.import_module(mod_name)
        cases.update(mod.CASES)
    return cases


def run_one(case, impl):
    """Child process: run one implementation once and print its measurements as JSON.

    The libraries are imported first and one full garbage collection clears what importing
    them left, so every implementation starts from the same collector state; collections
    during the run are timed as part of it.
    """
    cases = load_cases()
    fn = cases[case]['impls'][impl]
    _preload(impl)
    gc.collect()
    result = fn()
    if not isinstance(result, dict):
        result = {'time': result}
    print(json.dumps(result))


def _preload(impl):
    import dezero.functions  # noqa: F401  (imports dezero and its core)
    if impl == 'torch':
        try:
            import torch  # noqa: F401
        except ImportError:
            pass


def measure(case, impl, against=None):
    """Run one implementation in a fresh process; impl 'before' is dezero imported from the
    checkout `against` (an A/B of two versions in one run)."""
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = '1'
    if impl == 'before':
        env['PYTHONPATH'] = os.path.abspath(against)
        impl = 'dezero'
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), '--one', case, impl],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        if 'SKIP' in proc.stdout:
            return None
        raise RuntimeError(f'benchmark {case}/{impl} failed:\n{proc.stdout}\n{proc.stderr}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('cases', nargs='*', help='case names (default: all)')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--against', metavar='CHECKOUT',
                        help='also time dezero imported from this checkout (an earlier version)')
    parser.add_argument('--one', nargs=2, metavar=('CASE', 'IMPL'), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(*args.one)
        return
    cases = load_cases()
    names = args.cases or list(cases)
    for name in names:
        if name not in cases:
            parser.error(f'unknown case {name!r}; known: {", ".join(cases)}')
    print(f'python {sys.version.split()[0]}, one BLAS thread, {args.rounds} rounds, '
          f'fresh process per measurement')
    for name in names:
        case = cases[name]
        impls = list(case['impls'])
        if args.against and 'dezero' in impls:
            impls.append('before')
        samples = {impl: [] for impl in impls}
        t0 = time.perf_counter()
        for r in range(args.rounds):
            order = impls if r % 2 == 0 else impls[::-1]
            for impl in order:
                res = measure(name, impl, args.against)
                if res is not None:
                    samples[impl].append(res)
        report(name, case, samples)
        print(f'  ({time.perf_counter() - t0:.1f} s)')
        sys.stdout.flush()


def report(name, case, samples):
    print(f'\n{name}: {case["title"]}')
    med = {}
    for impl, runs in samples.items():
        if not runs:
            print(f'  {impl:>10}: skipped (not installed)')
            continue
        keys = [k for k in runs[0] if isinstance(runs[0][k], (int, float))]
        med[impl] = {k: statistics.median(r[k] for r in runs) for k in keys}
    for impl, m in med.items():
        parts = []
        for k, v in m.items():
            if k.startswith('time'):
                shown = f'{v * 1e3:.3f} ms' if v >= 1e-3 else f'{v * 1e6:.2f} us'
            elif 'mem' in k:
                shown = f'{v / 2 ** 20:.1f} MiB'
            else:
                shown = f'{v:.6g}'
            ratios = [f'{v / med[ref][k]:.2f}x {ref}' for ref in ('numpy', 'torch', 'before')
                      if ref != impl and ref in med and med[ref].get(k)
                      and (k.startswith('time') or 'mem' in k)]
            parts.append(f'{k} {shown}' + (f' ({", ".join(ratios)})' if ratios else ''))
        print(f'  {impl:>10}: ' + '; '.join(parts))
    for line in case.get('notes', []):
        print('  ' + line)


if __name__ == '__main__':
    main()
