"""Old path of `affectlab.core.errors`: importing it gives that module itself."""

import sys

from affectlab.core import errors as _module
from affectlab.core.errors import *  # the names, for type checkers

sys.modules[__name__] = _module
