"""Use-cases: business rules, authorization and transactions. Never reads `flask.request`."""
