"""`python -m mcp_resources` runs the command-line interface."""

from mcp_resources.cli import main

if __name__ == "__main__":
    main()
