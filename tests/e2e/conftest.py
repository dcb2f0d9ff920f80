"""The end-to-end tests use the integration rig's throwaway home and moto server."""

from tests.integration.conftest import home

__all__ = ["home"]
