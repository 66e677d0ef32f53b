"""Old path of `affectlab.lm.probing.malleability`: importing it gives that module itself."""

import sys

from affectlab.lm.probing import malleability as _module
from affectlab.lm.probing.malleability import *  # the names, for type checkers

sys.modules[__name__] = _module
