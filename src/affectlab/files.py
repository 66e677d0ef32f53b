"""Old path of `affectlab.core.files`: importing it gives that module itself."""

import sys

from affectlab.core import files as _module
from affectlab.core.files import *  # the names, for type checkers

sys.modules[__name__] = _module
