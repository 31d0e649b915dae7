"""收文: the register of what reached an organ and its handling to 办结 (DOMAIN.md §1.5)."""
