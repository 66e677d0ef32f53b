"""Old path of `affectlab.synthetic.tokfsm`: importing it gives that module itself."""

import sys

from affectlab.synthetic import tokfsm as _module
from affectlab.synthetic.tokfsm import *  # the names, for type checkers

sys.modules[__name__] = _module
