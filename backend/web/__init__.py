"""Server-rendered staff pages under /staff/ (views only; rules live in workflow/ and staff/)."""
