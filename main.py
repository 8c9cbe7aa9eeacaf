"""The console: ``python main.py`` starts the embedded hub with a simulated city and opens the wall."""

import sys

from console.app import main

if __name__ == "__main__":
    sys.exit(main())
