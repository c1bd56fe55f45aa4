"""dezero: a small define-by-run autograd and deep-learning framework (numpy only)."""
from dezero.core import (Variable, Parameter, Function, Config, using_config, no_grad,  # noqa
                         test_mode, as_array, as_variable)
from dezero import cuda, utils, functions  # noqa: F401

__version__ = '0.1.0'
