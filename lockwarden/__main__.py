import sys

from lockwarden.cli import main

sys.exit(main())
