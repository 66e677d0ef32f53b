"""Old path of `affectlab.lm.probing.balance`: importing it gives that module itself."""

import sys

from affectlab.lm.probing import balance as _module
from affectlab.lm.probing.balance import *  # the names, for type checkers

sys.modules[__name__] = _module
