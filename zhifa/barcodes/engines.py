"""The two decoding engines behind one signature: a grey ``uint8`` array in, ``(text, symbology)`` out.

Symbologies are named as :func:`zhifa.barcodes.gtin.normalise` expects. Both engines verify the
symbology's own checksum; :mod:`zhifa.barcodes.ladder` normalises and re-checks every text anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import zxingcpp
from pyzbar import pyzbar

Reading = tuple[str, str]  # (text, symbology)

_ZX = zxingcpp.BarcodeFormat
_ZX_NAMES = {
    _ZX.EAN13: "ean13",
    _ZX.UPCA: "upca",
    _ZX.UPCE: "upce",
    _ZX.EAN8: "ean8",
    _ZX.Code128: "code128",
    _ZX.DataMatrix: "datamatrix",
}
_ZX_RETAIL = zxingcpp.barcode_formats_from_str("EAN13,UPCA,UPCE,EAN8")
_ZX_SPRAY = zxingcpp.barcode_formats_from_str("Code128,DataMatrix")

_ZB = pyzbar.ZBarSymbol
_ZB_NAMES = {"EAN13": "ean13", "UPCA": "upca", "UPCE": "upce", "EAN8": "ean8"}
_ZB_RETAIL = [_ZB.EAN13, _ZB.UPCA, _ZB.UPCE, _ZB.EAN8]
_BINARIZERS = {
    "local": zxingcpp.Binarizer.LocalAverage,
    "hist": zxingcpp.Binarizer.GlobalHistogram,
    "fixed": zxingcpp.Binarizer.FixedThreshold,
}


@dataclass(frozen=True)
class Engine:
    """A named engine configuration; ``name`` is the engine, ``options`` its settings (for evidence)."""

    name: str
    options: str
    read: Callable[[np.ndarray], list[Reading]]


def zxing(binarizer: str = "local", *, downscale: bool = True, spray: bool = False) -> Engine:
    """zxing-cpp with try_harder semantics: any 90° orientation and inverted symbols are searched too.
    ``spray``: Code 128 and Data Matrix only (the carton spray code), not the retail symbologies."""
    formats = _ZX_SPRAY if spray else _ZX_RETAIL
    chosen = _BINARIZERS[binarizer]

    def read(img: np.ndarray) -> list[Reading]:
        found = zxingcpp.read_barcodes(
            img, formats=formats, try_rotate=True, try_invert=True, try_downscale=downscale, binarizer=chosen
        )
        return [(b.text, _ZX_NAMES[b.format]) for b in found if b.valid and b.format in _ZX_NAMES]

    return Engine("zxing-cpp", f"{binarizer}{' spray' if spray else ''}", read)


def zbar() -> Engine:
    symbols = _ZB_RETAIL

    def read(img: np.ndarray) -> list[Reading]:
        found = pyzbar.decode(img, symbols=symbols)
        return [(s.data.decode("ascii", "replace"), _ZB_NAMES[s.type]) for s in found if s.type in _ZB_NAMES]

    return Engine("pyzbar", "retail", read)
