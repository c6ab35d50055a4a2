"""Custom actions. Every call to the backend goes through actions.backend_client."""
