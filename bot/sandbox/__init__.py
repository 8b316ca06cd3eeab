"""Real HTTP simulators of the services tokobot talks to, for tests, benchmarks and demos."""
