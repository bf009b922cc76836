"""A local stand-in for the accounting providers' APIs, for tests, the demo and benchmarks."""
