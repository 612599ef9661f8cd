"""UK GDPR rights: a copy of everything we hold about a person (export), and erasure.

`coverage.COVERAGE` is the reviewed map that says, for every column that can hold a person's id or
words, which export section shows it and what erasure does to it; tests/api/test_erasure_coverage.py
fails when a new column is in neither.
"""
from services.privacy.erasure import ERASED_NAME, erase_account, erase_on_request, require_recent_sign_in
from services.privacy.export import export_on_request, export_user_data

__all__ = ["ERASED_NAME", "erase_account", "erase_on_request", "export_on_request", "export_user_data",
           "require_recent_sign_in"]
