"""The catalogue: plans, periods, recommendation files and recommendations; importing them
from the UN's, OHCHR's and UPR Info's documents; the translation sheet."""
