"""Old path of `affectlab.lm.steering.plots`: importing it gives that module itself."""

import sys

from affectlab.lm.steering import plots as _module
from affectlab.lm.steering.plots import *  # the names, for type checkers

sys.modules[__name__] = _module
