"""The solver's version string, recorded with every proposed plan."""

from importlib.metadata import version

SOLVER_VERSION: str = f"sprintml-cpsat/1 ortools/{version('ortools')}"
