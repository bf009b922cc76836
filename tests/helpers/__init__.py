"""Helper modules the tests share (sign-in and browser drivers, consent dances, fixtures data,
worker processes, each provider's test helpers)."""
