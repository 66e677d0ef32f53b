"""Old path of `affectlab.lm.steering.circuits`: importing it gives that module itself."""

import sys

from affectlab.lm.steering import circuits as _module
from affectlab.lm.steering.circuits import *  # the names, for type checkers

sys.modules[__name__] = _module
