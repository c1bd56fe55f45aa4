"""The book's first, simpler core (used by its steps 23-32), kept as a name only.

Programs that import `dezero.core_simple` get the full core under the same names: it does
everything the simple one did (and more, such as higher-order derivatives).
"""
from dezero.core import (Variable, Function, Config, using_config, no_grad,  # noqa: F401
                         as_array, as_variable, add, mul, neg, sub, rsub, div, rdiv, pow)
