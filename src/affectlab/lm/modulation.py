"""Old path of `affectlab.lm.steering.modulation`: importing it gives that module itself."""

import sys

from affectlab.lm.steering import modulation as _module
from affectlab.lm.steering.modulation import *  # the names, for type checkers

sys.modules[__name__] = _module
