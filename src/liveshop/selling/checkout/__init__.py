"""Checkout and buy-now, where orders meet the show that sold them and the promotions."""
