"""The package's public names are exactly those listed in `__all__`."""

import inspect

import sprintml.metrics


def test_every_public_name_is_listed_and_every_listed_name_exists() -> None:
    public = {
        name
        for name, value in vars(sprintml.metrics).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public == set(sprintml.metrics.__all__)
