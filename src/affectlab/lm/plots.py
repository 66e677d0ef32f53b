"""Old path of `affectlab.lm.probing.plots`: importing it gives that module itself."""

import sys

from affectlab.lm.probing import plots as _module
from affectlab.lm.probing.plots import *  # the names, for type checkers

sys.modules[__name__] = _module
