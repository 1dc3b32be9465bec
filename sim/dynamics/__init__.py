"""The phases of one day, each vectorised over what is active that day (DESIGN.md §1.3)."""
