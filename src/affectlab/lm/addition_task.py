"""Old path of `affectlab.synthetic.addition`: importing it gives that module itself."""

import sys

from affectlab.synthetic import addition as _module
from affectlab.synthetic.addition import *  # the names, for type checkers

sys.modules[__name__] = _module
