"""The application: composition (services, phone and transfer wiring), app factory, workers, CLI."""
