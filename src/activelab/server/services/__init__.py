"""Service functions: the server's logic, called by the routers, free of HTTP details."""
