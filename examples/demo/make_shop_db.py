"""Rebuild examples/demo/data/shop.db, the demo's small SQLite database (deterministic).

    python3 examples/demo/make_shop_db.py

The file is committed (about 40 KB) so the demo runs with no build step; this script
is how it was made and how to change it.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE authors(id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT);
CREATE TABLE books(
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES authors(id),
    year INTEGER,
    price REAL,
    cover BLOB
);
CREATE INDEX books_author ON books(author_id);
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT, email TEXT);
CREATE TABLE orders(
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    book_id INTEGER NOT NULL REFERENCES books(id),
    quantity INTEGER NOT NULL,
    ordered_at TEXT NOT NULL
);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE TABLE api_keys(service TEXT PRIMARY KEY, secret TEXT NOT NULL) WITHOUT ROWID;
CREATE VIEW bestsellers AS
    SELECT b.title, a.name AS author, sum(o.quantity) AS sold
    FROM orders o JOIN books b ON b.id = o.book_id JOIN authors a ON a.id = b.author_id
    GROUP BY b.id ORDER BY sold DESC;
"""

AUTHORS = [
    ("Ada Lovelace", "GB"),
    ("Grace Hopper", "US"),
    ("Alan Turing", "GB"),
    ("Edsger Dijkstra", "NL"),
    ("Barbara Liskov", "US"),
    ("Donald Knuth", "US"),
    ("Niklaus Wirth", "CH"),
    ("Margaret Hamilton", "US"),
]
WORDS = ["Notes", "Machines", "Programs", "Structures", "Algorithms", "Proofs", "Compilers", "Systems"]
CITIES = ["Lyon", "Berlin", "Austin", "Kyoto", "Porto", "Oslo"]


def build(path: Path) -> None:
    rng = random.Random(7)  # noqa: S311 -- demo data, fixed seed on purpose
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO authors(name, country) VALUES (?, ?)", AUTHORS)
        books = [
            (
                f"{rng.choice(WORDS)} on {rng.choice(WORDS)}",
                i % len(AUTHORS) + 1,
                1950 + rng.randrange(70),
                round(rng.uniform(9, 60), 2),
                bytes([0x89, 0x50, 0x4E, 0x47]) + bytes(rng.randrange(256) for _ in range(12)),
            )
            for i in range(40)
        ]
        db.executemany(
            "INSERT INTO books(title, author_id, year, price, cover) VALUES (?, ?, ?, ?, ?)", books
        )
        customers = [(f"Customer {i}", rng.choice(CITIES), f"customer{i}@example.com") for i in range(1, 61)]
        db.executemany("INSERT INTO customers(name, city, email) VALUES (?, ?, ?)", customers)
        orders = [
            (
                rng.randrange(1, 61),
                rng.randrange(1, 41),
                rng.randrange(1, 4),
                f"2026-{rng.randrange(1, 11):02d}-{rng.randrange(1, 29):02d}",
            )
            for _ in range(300)
        ]
        db.executemany(
            "INSERT INTO orders(customer_id, book_id, quantity, ordered_at) VALUES (?, ?, ?, ?)", orders
        )
        db.execute("INSERT INTO api_keys VALUES ('payments', 'sk_demo_never_served')")
    db.close()
    with sqlite3.connect(path) as db:
        db.execute("VACUUM")
    db.close()


if __name__ == "__main__":
    build(Path(__file__).with_name("data") / "shop.db")
