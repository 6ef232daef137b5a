"""Fake data for benchmarks and load tests: each app contributes the part it owns.

``manage.py generate_load_data --articles N --comments M --subscribers K`` fills a database
quickly with plainly labelled fake content. The command knows no app: each app that has
something to generate puts a ``load_data.py`` module next to its models with a function
decorated ``@load_data_generator("comments", order=20)``; the command imports those modules
(like the admin's ``admin.py``), so dependencies keep pointing one way (comments' generator
may use articles; articles knows nothing of comments).

A generator is called as ``generate(count, context)`` and returns the number of rows made.
It must insert in batches (``bulk_create``) and never hold more than one batch in memory.
"""

import dataclasses
import random
from collections.abc import Callable

from django.utils.module_loading import autodiscover_modules


@dataclasses.dataclass(frozen=True)
class LoadDataContext:
    """What every generator receives besides its count."""

    batch_size: int
    random: random.Random
    force: bool  # mix fake rows into a database that holds real content
    write: Callable[[str], None]  # progress lines for the operator


@dataclasses.dataclass(frozen=True)
class Generator:
    option: str
    order: int
    help: str
    generate: Callable[[int, LoadDataContext], int]


_registry: dict[str, Generator] = {}


def load_data_generator(option, order, help=""):
    """Register ``generate(count, context)`` for ``generate_load_data --<option> N``.

    ``order`` says who runs first: articles (10) before comments (20) that point at them.
    """

    def register(function):
        _registry[option] = Generator(option=option, order=order, help=help, generate=function)
        return function

    return register


def generators():
    """Every registered generator, by option name, after importing each app's load_data.py."""
    autodiscover_modules("load_data")
    return dict(sorted(_registry.items(), key=lambda item: item[1].order))
