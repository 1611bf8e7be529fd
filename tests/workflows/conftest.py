from tests.spaces.people import crew, town

__all__ = ["crew", "town"]
