"""What the tests, benchmarks and docs/make_pictures.py share."""
