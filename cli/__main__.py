"""``python -m cli``: the same app as the ``zhifa`` script."""

from cli.main import app

app()
