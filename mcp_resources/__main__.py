"""`python -m mcp_resources` runs the command-line interface (see `entry.py`)."""

from mcp_resources.entry import main

if __name__ == "__main__":
    main()
