"""Database engines for the relational database (staff accounts, permissions, sessions without Redis)."""
