"""Progress display for long work, on stderr so that ``--json`` output stays clean."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator


@contextmanager
def step_bar(description: str, steps: int, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """Yield ``tick(step_name)``; each call advances a bar of ``steps`` named steps.

    The bar is drawn only when ``enabled`` and stderr is a terminal, so logs and CI
    output are not flooded with carriage returns.
    """
    if not enabled or not sys.stderr.isatty():
        yield lambda _step: None
        return
    from tqdm import tqdm

    with tqdm(total=steps, desc=description, file=sys.stderr, leave=False, unit="step") as bar:
        def tick(step: str) -> None:
            if bar.n < steps:
                bar.set_postfix_str(step)
                bar.update(1)

        yield tick
