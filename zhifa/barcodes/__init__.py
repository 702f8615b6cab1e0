"""Barcode reading without the API: GTIN rules, the two engines, image variants and the decode ladder."""
