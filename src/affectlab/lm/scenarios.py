"""Old path of `affectlab.lm.steering.scenarios`: importing it gives that module itself."""

import sys

from affectlab.lm.steering import scenarios as _module
from affectlab.lm.steering.scenarios import *  # the names, for type checkers

sys.modules[__name__] = _module
