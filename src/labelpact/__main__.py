"""``python -m labelpact``: the same as the ``labelpact`` command."""

from labelpact.cli import main

if __name__ == "__main__":
    main()
