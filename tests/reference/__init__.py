"""A small, obviously-correct row-by-row version of the method's aggregates, for property tests
of the columnar core. Not part of the package."""
