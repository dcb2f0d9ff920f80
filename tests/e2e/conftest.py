"""The end-to-end tests use the root rig's throwaway home (`home`) and moto server."""
