"""Great Expectations suites of the contract tables (``suites``) and their runner (``runner``).

Importing GX imports scipy.stats and altair for expectations and renderers these suites never use (KL
divergence, KS tests, charts): a third of GX's import time, paid by every load. They are registered here
as deferred modules: each still loads, whole, on first use of one of its attributes.
"""

import importlib.util
import sys
import types
from typing import Any

DEFERRED_MODULES = ("scipy.stats", "altair")


class _Deferred(types.ModuleType):
    """A module whose code runs on first use of an attribute. The import system's own reads (``__spec__``,
    ``__path__``: set before the code runs, on every ``import``) find them without running it, which is
    why ``importlib.util.LazyLoader`` (loads on any attribute) does not defer under 3.11's imports."""

    def __getattr__(self, attr: str) -> Any:
        spec = self.__spec__
        if spec is None or spec.loader is None:
            raise AttributeError(attr)
        plain: type = types.ModuleType
        self.__class__ = plain  # before running: the module's own code sees a plain module
        try:
            spec.loader.exec_module(self)
        except BaseException:
            sys.modules.pop(self.__name__, None)  # a failed import leaves nothing half-made behind
            raise
        return getattr(self, attr)


def _defer(name: str) -> None:
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _Deferred
    sys.modules[name] = module


for _name in DEFERRED_MODULES:
    _defer(_name)
