"""Old path of `affectlab.lm.model.loading`: importing it gives that module itself."""

import sys

from affectlab.lm.model import loading as _module
from affectlab.lm.model.loading import *  # the names, for type checkers

sys.modules[__name__] = _module
