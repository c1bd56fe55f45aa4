"""dezero: a small define-by-run autograd and deep-learning framework (NumPy only).

`from dezero import Variable`, `import dezero.functions as F`, `import dezero.layers as L`,
`from dezero import optimizers`, `from dezero.models import MLP`: the names of the book.
"""
from dezero.core import (Variable, Parameter, Function, Config, using_config, no_grad,  # noqa
                         test_mode, detect_anomaly, AnomalyError, as_array, as_variable,
                         setup_variable)
from dezero import ops  # noqa: F401  (the operations behind Variable's operators)
from dezero import cuda, utils, functions  # noqa: F401
from dezero.layers import Layer  # noqa: F401
from dezero.models import Model  # noqa: F401
from dezero import layers, models, optimizers, transforms, datasets, dataloaders, func  # noqa: F401
from dezero.datasets import Dataset  # noqa: F401
from dezero.dataloaders import DataLoader, SeqDataLoader  # noqa: F401

# the book's steps 28-29 check this flag before switching to `dezero.core_simple`
is_simple_core = False

__version__ = '0.1.0'
