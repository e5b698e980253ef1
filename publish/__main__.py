"""python -m publish"""

import sys

from publish.commands.cli import main

sys.exit(main())
