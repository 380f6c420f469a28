"""trayapp: a tray indicator for the status of the AI services you use."""

__version__ = "0.1.0"
