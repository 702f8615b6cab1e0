"""Licensing services: logic over the store; domain errors, no HTTP."""
