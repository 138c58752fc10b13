"""The demo: a living example of the whole loop, seeded relative to the day it runs."""
