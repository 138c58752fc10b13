"""Independent results against official figures: aggregation, statistics, the comparison,
official progress, publication, the right of reply, exports, charts, pseudonyms."""
