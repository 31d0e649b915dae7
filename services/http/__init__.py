"""What the API and the pages share at the HTTP boundary: bounded parameters, the login cookie, the client's
address, security headers, serving routes. Both `services.api` and `services.web` build on it; it imports
neither (services/app.py puts them together)."""
