"""Gap-free numbering: the one allocator (allocator.py) and the numbers a document takes by its 文种 family."""
