"""Giveaways: entries, the draw, the winner's claim and prize order."""
