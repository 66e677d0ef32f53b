"""Old path of `affectlab.lm.probing.probes`: importing it gives that module itself."""

import sys

from affectlab.lm.probing import probes as _module
from affectlab.lm.probing.probes import *  # the names, for type checkers

sys.modules[__name__] = _module
