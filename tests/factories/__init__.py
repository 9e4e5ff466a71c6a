"""Builders of the rows tests need, with real Lombardy codes where they exist."""
