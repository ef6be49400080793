"""``python -m spendsense_gen``: the same as the ``spendsense-gen`` command."""

from .cli import main

raise SystemExit(main())
