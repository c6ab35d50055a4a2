"""Login throttling: lock an address that keeps guessing, slow an account, never lock its owner out."""
