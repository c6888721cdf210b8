"""The trial catalogue: trial files, their checks, and the database they are loaded into."""
