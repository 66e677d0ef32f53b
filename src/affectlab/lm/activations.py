"""Old path of `affectlab.lm.model.activations`: importing it gives that module itself."""

import sys

from affectlab.lm.model import activations as _module
from affectlab.lm.model.activations import *  # the names, for type checkers

sys.modules[__name__] = _module
