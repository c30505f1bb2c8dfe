# hotlase: `make demo` runs the default study, `make test` runs the tests; both set up first.
PY := .venv/bin/python
export OMPI_MCA_rmaps_base_oversubscribe := 1
export PYTHONWARNINGS := ignore::UserWarning:numpy.core.getlimits

.PHONY: setup demo test test-fast typecheck bench clean

setup:
	@scripts/setup.sh

demo: setup
	@$(PY) -m hotlase.jobs.cli demo

test: setup
	@$(PY) scripts/typecheck.py
	@$(PY) -m pytest -q --name-slow --durations=15 tests

typecheck: setup
	@$(PY) scripts/typecheck.py

test-fast: setup
	@$(PY) -m pytest -q -m "not slow and not integration" tests

bench: setup
	@$(PY) -m benchmarks.run

clean:
	rm -rf runs .pytest_cache
