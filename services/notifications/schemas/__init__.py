"""HTTP schemas of the notifications API, one module per api module."""
