"""GTIN check digits and the one normal form of a retail code read off a package.

EAN-13 stays 13 digits; UPC-A becomes 13 digits with a leading 0 (it *is* that EAN-13); UPC-E is
expanded to its UPC-A and then to 13 digits; EAN-8 stays 8 digits (a separate GTIN-8 number space).
"""

from __future__ import annotations

import re

_SPRAY_TEXT = re.compile(r"^[0-9A-Za-z]{32}$")


def gtin_check_digit(body: str) -> str:
    """Check digit for a GTIN body of any length (GS1: weights 3,1,3,… from the right)."""
    if not body or not body.isascii() or not body.isdigit():
        raise ValueError(f"GTIN body must be digits, got {body!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def gtin_is_valid(code: str, length: int) -> bool:
    """True when ``code`` is ``length`` ASCII digits with a correct check digit."""
    if len(code) != length or not code.isascii() or not code.isdigit():
        return False
    return gtin_check_digit(code[:-1]) == code[-1]


def ean13_check_digit(first12: str) -> str:
    """Check digit for the first 12 digits of an EAN-13."""
    if len(first12) != 12:
        raise ValueError(f"EAN-13 body must be 12 digits, got {first12!r}")
    return gtin_check_digit(first12)


def ean13_is_valid(code: str) -> bool:
    return gtin_is_valid(code, 13)


def upce_to_upca(upce: str) -> str | None:
    """The 12-digit UPC-A a UPC-E (8 digits: number system, 6 data, check) stands for; None if malformed."""
    if len(upce) != 8 or not upce.isascii() or not upce.isdigit() or upce[0] not in "01":
        return None
    ns, d, check = upce[0], upce[1:7], upce[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return ns + body + check


def normalise(text: str, symbology: str) -> str | None:
    """The normal form of a decoded text for its symbology, or None when its check digit is wrong.

    ``symbology`` is one of ean13, upca, upce, ean8, code128, datamatrix. Engines disagree on how they
    spell UPC codes (12 or 13 digits, UPC-E as 8 digits or already expanded), so every spelling is accepted.
    """
    digits = text.strip()
    if symbology in ("ean13", "upca"):
        if len(digits) == 12:
            digits = "0" + digits
        return digits if ean13_is_valid(digits) else None
    if symbology == "upce":
        if len(digits) == 13:  # already expanded (zxing-cpp)
            return digits if ean13_is_valid(digits) and digits[0] == "0" else None
        upca = upce_to_upca(digits)
        if upca is None or not gtin_is_valid(upca, 12):
            return None
        return "0" + upca
    if symbology == "ean8":
        return digits if gtin_is_valid(digits, 8) else None
    if symbology in ("code128", "datamatrix"):
        # only the carton spray code is wanted from these: 32 letters and digits (parsed elsewhere)
        compact = re.sub(r"\s+", "", digits)
        return compact if _SPRAY_TEXT.match(compact) else None
    return None


def is_retail(code: str) -> bool:
    """A normalised retail (EAN/UPC) code, as opposed to a spray code."""
    return len(code) in (8, 13) and code.isdigit()
