"""The HTTP boundary: FastAPI app, thin routes, one error handler."""
