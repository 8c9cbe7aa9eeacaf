"""The console: ``python main.py`` starts the embedded hub with a simulated city and opens the wall.

``python main.py hub ...`` (and sim, simulator, map-build) runs one of the console's child programs instead,
as the frozen build does (console/entry.py).
"""

import sys

from console.entry import main

if __name__ == "__main__":
    sys.exit(main())
