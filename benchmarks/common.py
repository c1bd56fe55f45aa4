"""Shared pieces of the benchmark suites."""


def torch_or_skip():
    """Import torch with one thread, or tell the runner this implementation is skipped."""
    try:
        import torch
    except ImportError:
        print('SKIP')
        raise SystemExit(3)
    torch.set_num_threads(1)
    return torch
