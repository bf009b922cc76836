"""Blueprints, one per screen, registered by the application factory."""
