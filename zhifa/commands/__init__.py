"""Command groups of the ``zhifa`` CLI, one module per area; ``zhifa.cli`` registers them."""
