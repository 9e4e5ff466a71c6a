"""retecup: a regional outpatient booking network."""

__version__ = "0.1.0"
