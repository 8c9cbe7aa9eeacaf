"""Importers of archived history into the hub's database: the UCI Beijing PRSA set and a long CSV format."""
