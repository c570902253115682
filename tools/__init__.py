"""Scripts that generate code or data for the product, run by hand: not part of the app."""
