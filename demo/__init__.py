"""Demo data, synthetic generators and benchmark commands: nothing the
product needs to run. `make run` seeds the demo people, filings, facilities
and settlements from here; `make bench` and the benchmark commands use the
synthetic generators. Product apps never import this app."""
