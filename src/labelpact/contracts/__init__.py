"""Pure contract code: the clause table, a batch's verdict against it, and findings with their evidence.

Judging one batch against its contract is apart from the health of a partnership (``labelpact.partners``).
"""
