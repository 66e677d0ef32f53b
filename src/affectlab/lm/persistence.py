"""Old path of `affectlab.lm.probing.persistence`: importing it gives that module itself."""

import sys

from affectlab.lm.probing import persistence as _module
from affectlab.lm.probing.persistence import *  # the names, for type checkers

sys.modules[__name__] = _module
