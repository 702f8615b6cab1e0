"""Deterministic demo-world generator (``zhifa generate``)."""

from generator.run import GenerateError, GenerationSummary, generate_world
from generator.scales import SCALES, Scale, get_scale

__all__ = ["SCALES", "GenerateError", "GenerationSummary", "Scale", "generate_world", "get_scale"]
