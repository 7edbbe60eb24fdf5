"""`python -m liveshop`: the same commands as `liveshop`."""

from liveshop.cli import app

app(prog_name="liveshop")
