"""Demo and benchmark data generation: names, identities and the demo bank."""
