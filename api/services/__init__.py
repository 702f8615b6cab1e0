"""Pure service logic of the field case capture API (no HTTP here)."""
