"""A separate writer process for a SQLite database, driven line by line over stdin.

Each input line is a command; the reply is `ok <CLOCK_MONOTONIC seconds>` once it committed:

    SQL <statements>        run them in one transaction
    BURST <n> <rate> <table>  n transactions of one INSERT each, paced at `rate` a second
"""

from __future__ import annotations

import sqlite3
import sys
import time


def main(path: str, journal: str) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA journal_mode = {journal}")
    db.execute("PRAGMA synchronous = OFF")  # commit rate is what is being tested, not durability
    for line in sys.stdin:
        command, _, rest = line.rstrip("\n").partition(" ")
        if command == "SQL":
            db.executescript(f"BEGIN; {rest}; COMMIT;")
        elif command == "BURST":
            count, rate, table = rest.split()
            start = time.monotonic()
            for i in range(int(count)):
                db.execute(f"INSERT INTO {table}(name) VALUES (?)", (f"burst{i}",))
                # Pacing the simulated load (not synchronisation): commit i+1 is due at (i+1)/rate.
                time.sleep(max(0.0, start + (i + 1) / float(rate) - time.monotonic()))
        else:
            raise SystemExit(f"unknown command {command!r}")
        sys.stdout.write(f"ok {time.monotonic()}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
