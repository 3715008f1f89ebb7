"""Pure search core: parsing reports, chunking, tokenizing, BM25 scoring. No I/O beyond reading files."""
