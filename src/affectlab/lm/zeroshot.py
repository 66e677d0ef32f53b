"""Old path of `affectlab.lm.probing.zeroshot`: importing it gives that module itself."""

import sys

from affectlab.lm.probing import zeroshot as _module
from affectlab.lm.probing.zeroshot import *  # the names, for type checkers

sys.modules[__name__] = _module
