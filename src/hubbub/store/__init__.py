"""Stores: where enriched posts land and how the API reads them."""
