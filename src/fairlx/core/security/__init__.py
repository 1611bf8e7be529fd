"""Security primitives with no domain knowledge: password hashing, secret tokens stored as hashes,
keyed digests compared in constant time, and authenticated encryption of secrets at rest."""
