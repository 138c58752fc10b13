"""Recommendation formats, one module each; `..upr_formats` recognises them."""
